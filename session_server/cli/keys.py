"""`congress keys init`: make the congress's Ed25519 signing key, a file its operator keeps."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..private_files import write_private
from ..record.keys import KeyFileError, generate, grouped, public_pem

DEFAULT_NAME = "signing-key.pem"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    keys = commands.add_parser("keys", help="the congress's signing key for checkpoints")
    actions = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="make a new Ed25519 signing key in FILE (0600, never over an existing file) and "
        "its public key in FILE.pub; prints the key's fingerprint",
    )
    init.add_argument(
        "file",
        type=Path,
        nargs="?",
        metavar="FILE",
        help=f"where to write the key (default: {DEFAULT_NAME} in the data directory)",
    )


def run(args: argparse.Namespace) -> int:
    path: Path = args.file if args.file is not None else args.data / DEFAULT_NAME
    public_path = path.with_name(path.name + ".pub")
    if public_path.exists():
        print(f"congress: {public_path} exists: nothing was written", file=sys.stderr)
        return 2
    try:
        signer = generate(path)
    except KeyFileError as error:
        print(f"congress: {error}", file=sys.stderr)
        return 2
    # Public: anyone checking the log may have it; 0600 anyway, like every file made here.
    write_private(public_path, public_pem(signer.public))
    print(f"Khóa ký / signing key:   {path} (0600: keep it, back it up offline)")
    print(f"Khóa công khai / public: {public_path}")
    print(f"Dấu vân tay / key id:    {grouped(signer.key_id)}")
    print(f"Start the hub with: congress serve --signing-key {path}")
    return 0
