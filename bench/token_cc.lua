-- wrk script for the client_credentials rows of bench/run.sh (cc_rs256, cc_es256), used for both
-- servers: POST <url's path> with body $WRK_FORM (default grant_type=client_credentials) and
-- Authorization: $WRK_AUTH (client_secret_basic), as ../shared/bench/peer/token_cc.lua does.
--
-- Every answer is checked: it counts as good only when it is a 200 whose body holds an
-- "access_token". done() prints
--   STATUS 200=... 401=...        every status seen
--   GOOD <n> BAD <n> GOOD_RPS <x>  good answers, the rest, and good answers per second of the run
-- so a storm of fast 401s (a wrong secret) shows up as BAD, not as throughput: bench/run.sh takes
-- GOOD_RPS as the figure and BAD as the error count.
wrk.method = "POST"
wrk.body = os.getenv("WRK_FORM") or "grant_type=client_credentials"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
local auth = os.getenv("WRK_AUTH")
if auth and auth ~= "" then wrk.headers["Authorization"] = auth end

local threads = {}
function setup(thread) table.insert(threads, thread) end

counts = {}
good = 0
bad = 0
function response(status, headers, body)
  local k = tostring(status)
  counts[k] = (counts[k] or 0) + 1
  if status == 200 and body and string.find(body, '"access_token"', 1, true) then
    good = good + 1
  else
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local agg, g, b = {}, 0, 0
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do agg[k] = (agg[k] or 0) + v end
    g = g + t:get("good")
    b = b + t:get("bad")
  end
  local parts = {}
  for k, v in pairs(agg) do table.insert(parts, k .. "=" .. v) end
  table.sort(parts)
  io.write("STATUS " .. table.concat(parts, " ") .. "\n")
  io.write(string.format("GOOD %d BAD %d GOOD_RPS %.1f\n", g, b, g / (summary.duration / 1e6)))
end
