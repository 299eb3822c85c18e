"""Congress documents: PDFs by content hash, rendered in worker processes, served by access."""
