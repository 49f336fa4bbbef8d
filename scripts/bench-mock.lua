-- wrk script: POST a small generateContent request to the mock.
-- Every request carries a different prompt (a per-thread counter), so the mock generates a
-- fresh answer and counts a new body each time: the figure measures generation, not a repeat.
local counter = 0
local path = "/v1beta/models/gemini-2.0-flash:generateContent"
local headers = { ["Content-Type"] = "application/json", ["x-goog-api-key"] = "bench-key" }

-- The thread tag mixes the start time in, so a second run (the warm-up, then the measured run)
-- does not repeat the first run's prompts.
math.randomseed(os.time())
setup = function(thread)
  thread:set("tid", os.time() .. "-" .. math.random(1, 1000000))
end

request = function()
  counter = counter + 1
  local body = '{"contents":[{"role":"user","parts":[{"text":"Classify this short review ' .. (tid or "0") .. '-' .. counter ..
    ': great value, fast delivery."}]}],"generationConfig":{"maxOutputTokens":64}}'
  return wrk.format("POST", path, headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("non-2xx/3xx: %d\n", summary.errors.status))
end
