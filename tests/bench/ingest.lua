-- wrk script for tests/bench/ingest: POSTs realistic reports, counts answers per status.
--
-- Environment:
--   BENCH_BODIES  file with one JSON request body per line (tests/bench/lib/make_bodies.py)
--   BENCH_AUTH    value of the Authorization header (optional; nginx ignores it)
--   BENCH_PATH    request path (default /v1/reports)
--
-- Every request string is built once per thread in init(); request() only hands the next one
-- out, round-robin, each thread starting at a different offset. response() counts statuses
-- and request() counts what was sent, per thread; done() collects both from every thread and
-- prints machine-readable `BENCH key value` lines after wrk's own report.

local bodies_file = os.getenv("BENCH_BODIES") or error("BENCH_BODIES is not set")
local auth = os.getenv("BENCH_AUTH")
local path = os.getenv("BENCH_PATH") or "/v1/reports"

local threads = {}
local next_tid = 0

-- Main state: called once per thread before it starts.
function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

-- Thread state (globals below live in each thread's own Lua state).
local reqs = {}
local n, i = 0, 0
counts = {}
sent = 0

function init(args)
   local headers = { ["Content-Type"] = "application/json" }
   if auth and auth ~= "" then
      headers["Authorization"] = auth
   end
   for line in io.lines(bodies_file) do
      if line ~= "" then
         n = n + 1
         reqs[n] = wrk.format("POST", path, headers, line)
      end
   end
   if n == 0 then
      error("no request bodies in " .. bodies_file)
   end
   -- Threads start spread over the table so they do not send the same report at once.
   i = ((tid or 0) * 7919) % n
end

function request()
   i = i + 1
   if i > n then
      i = 1
   end
   sent = sent + 1
   return reqs[i]
end

function response(status, headers, body)
   counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   local total_sent = 0
   for _, t in ipairs(threads) do
      local c = t:get("counts") or {}
      for status, k in pairs(c) do
         total[status] = (total[status] or 0) + k
      end
      total_sent = total_sent + (t:get("sent") or 0)
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format("BENCH requests %d\n", summary.requests))
   io.write(string.format("BENCH duration_s %.3f\n", secs))
   io.write(string.format("BENCH rps %.1f\n", summary.requests / secs))
   io.write(string.format("BENCH sent %d\n", total_sent))
   for _, p in ipairs({ 50, 90, 99, 99.9 }) do
      local name = (tostring(p):gsub("%.", "_"))
      io.write(string.format("BENCH p%s_us %d\n", name, latency:percentile(p)))
   end
   io.write(string.format("BENCH max_us %d\n", latency.max))
   io.write(string.format("BENCH mean_us %.1f\n", latency.mean))
   io.write(string.format("BENCH errors connect=%d read=%d write=%d status=%d timeout=%d\n",
                          e.connect, e.read, e.write, e.status, e.timeout))
   local codes = {}
   for status in pairs(total) do
      table.insert(codes, status)
   end
   table.sort(codes)
   for _, status in ipairs(codes) do
      io.write(string.format("BENCH status %d %d\n", status, total[status]))
   end
end
