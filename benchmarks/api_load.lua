-- wrk script for benchmarks/api.py: forward requests on loopback.
-- MODE=miss: every request a plan not asked before (a new ticket price, studios in turn), so the cache never answers;
-- MODE=hit: one request repeated, answered from the cache after the first.  BASE offsets the prices between runs.
local mode = os.getenv("MODE") or "miss"
local base = tonumber(os.getenv("BASE") or "0")
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local template = '{"studio_id":"s-%03d","projection_months":3,"levers":{"avg_ticket_price":%.4f,' ..
                 '"new_members_monthly":[20,25,30]},"include_confidence_intervals":true}'
local fixed = string.format(template, 1, 100)

request = function()
  if mode == "hit" then return wrk.format(nil, nil, nil, fixed) end
  n = n + 1
  return wrk.format(nil, nil, nil, string.format(template, (n % 40) + 1, 100 + ((base + n) % 1000000) * 0.0001))
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"failed":%d,"seconds":%.3f,"p50_ms":%.2f,"p95_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, e.connect + e.read + e.write + e.timeout + e.status, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
