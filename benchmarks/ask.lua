-- wrk's load for POST /api/ask: distinct questions (a new run id each run, so no answer-cache hits),
-- read from benchmarks/results/questions.txt (one per line; benchmarks/ask_parts.py --questions writes it).
--   wrk -t1 -c16 -d15s --latency -s benchmarks/ask.lua http://127.0.0.1:7860
local questions = {}
for line in io.lines("benchmarks/results/questions.txt") do questions[#questions + 1] = line end
math.randomseed(os.time())
local run = tostring(math.random(100000, 999999))
local counter = 0

local function quoted(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

request = function()
  counter = counter + 1
  local question = questions[(counter % #questions) + 1] .. " (" .. run .. "-" .. counter .. ")"
  return wrk.format("POST", "/api/ask", {["Content-Type"] = "application/json"}, '{"question": ' .. quoted(question) .. '}')
end
