-- wrk script for tests/bench/api: GETs a list of analyst-API paths round-robin, counts answers
-- per status, and prints machine-readable `BENCH key value` lines after wrk's own report (the
-- same lines as tests/bench/ingest.lua).
--
-- Environment:
--   BENCH_PATHS  file with one request path (with query string) per line
--   BENCH_AUTH   value of the Authorization header

local paths_file = os.getenv("BENCH_PATHS") or error("BENCH_PATHS is not set")
local auth = os.getenv("BENCH_AUTH")

local threads = {}
local next_tid = 0

function setup(thread)
   thread:set("tid", next_tid)
   next_tid = next_tid + 1
   table.insert(threads, thread)
end

local reqs = {}
local n, i = 0, 0
counts = {}

function init(args)
   local headers = {}
   if auth and auth ~= "" then
      headers["Authorization"] = auth
   end
   for line in io.lines(paths_file) do
      if line ~= "" then
         n = n + 1
         reqs[n] = wrk.format("GET", line, headers)
      end
   end
   if n == 0 then
      error("no paths in " .. paths_file)
   end
   -- Threads start apart so they do not ask for the same thing at once.
   i = ((tid or 0) * 7919) % n
end

function request()
   i = i + 1
   if i > n then
      i = 1
   end
   return reqs[i]
end

function response(status, headers, body)
   counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
   local total = {}
   for _, t in ipairs(threads) do
      for status, k in pairs(t:get("counts") or {}) do
         total[status] = (total[status] or 0) + k
      end
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   io.write(string.format("BENCH requests %d\n", summary.requests))
   io.write(string.format("BENCH duration_s %.3f\n", secs))
   io.write(string.format("BENCH rps %.1f\n", summary.requests / secs))
   for _, p in ipairs({ 50, 90, 99, 99.9 }) do
      local name = (tostring(p):gsub("%.", "_"))
      io.write(string.format("BENCH p%s_us %d\n", name, latency:percentile(p)))
   end
   io.write(string.format("BENCH max_us %d\n", latency.max))
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
