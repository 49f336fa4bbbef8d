-- wrk script: POST a small generateContent request to the mock.
-- Each connection sends the same body; the mock answers deterministically.
wrk.method = "POST"
wrk.path = "/v1beta/models/gemini-2.0-flash:generateContent"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["x-goog-api-key"] = "bench-key"
wrk.body = '{"contents":[{"role":"user","parts":[{"text":"Classify this short review: great value, fast delivery."}]}],"generationConfig":{"maxOutputTokens":64}}'

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
