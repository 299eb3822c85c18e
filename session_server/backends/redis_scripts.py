"""The Redis backend's Lua scripts: each checks and writes in one atomic step on the server."""

# KEYS: log, origins, rooms. ARGV: seq, body, origin ('' for none), room, touch ('1' or ''),
# the head's stored hash ('' for none), prev, hash. The chain is checked under the same
# condition as the seq: the hash this record follows must be the one the head carries.
APPEND = """
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local head = 0
local head_hash = ''
if #last > 0 then
  head = tonumber(string.match(last[1][1], '^(%d+)'))
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'hash' then head_hash = fields[i + 1] end
  end
end
if ARGV[3] ~= '' then
  local seen = redis.call('HGET', KEYS[2], ARGV[3])
  if seen then
    -- WAIT promises only the writes of its own connection: this one, which changes
    -- nothing, makes it cover the first append of this origin too, made on any other.
    if ARGV[5] == '1' then redis.call('HSET', KEYS[2], ARGV[3], seen) end
    return {'duplicate', seen}
  end
end
if head ~= tonumber(ARGV[1]) - 1 then return {'conflict', tostring(head)} end
if head_hash ~= ARGV[6] then return {'stale', tostring(head)} end
redis.call('XADD', KEYS[1], ARGV[1] .. '-1', 'body', ARGV[2], 'prev', ARGV[7], 'hash', ARGV[8])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[2], ARGV[3], ARGV[1]) end
redis.call('SADD', KEYS[3], ARGV[4])
return {'ok', ARGV[1]}
"""

SNAPSHOT = """
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if tonumber(ARGV[1]) > seq then
  redis.call('HSET', KEYS[1], 'seq', ARGV[1], 'state', ARGV[2])
end
return 1
"""
