-- wrk script for bench/webhook.py. wrk's Lua has no HMAC-SHA256, so the signed
-- requests are generated beforehand: LYO_WRK_REQUESTS names a file with one
-- "<X-Hub-Signature-256><TAB><body>" per line; each wrk thread takes every
-- LYO_WRK_THREADS-th line, so no message id is sent twice. Without the variable the
-- script GETs the URL's path (the /health/live ceiling). done() prints one JSON line.

local requests_file = os.getenv("LYO_WRK_REQUESTS")
local thread_count = tonumber(os.getenv("LYO_WRK_THREADS") or "1")
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local prepared = {}
local counter = 0
wrapped = 0

function init(args)
  if not requests_file then return end
  local i = 0
  for line in io.lines(requests_file) do
    if i % thread_count == id then
      local signature, body = line:match("^(%S+)\t(.*)$")
      prepared[#prepared + 1] = wrk.format("POST", "/webhooks/whatsapp",
        {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = signature}, body)
    end
    i = i + 1
  end
end

function request()
  if not requests_file then return wrk.request() end
  counter = counter + 1
  if counter > #prepared then
    -- Out of fresh ids: repeats are Meta redeliveries (cheaper); reported, and the file is sized to avoid it.
    counter = 1
    wrapped = wrapped + 1
  end
  return prepared[counter]
end

function done(summary, latency, requests)
  local wraps = 0
  for _, thread in ipairs(threads) do wraps = wraps + (thread:get("wrapped") or 0) end
  io.write(string.format(
    'LYO_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "wrapped": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, wraps))
end
