-- wrk script: Segment batches of `batch` feature_used track events (the
-- shape of the ingest benchmark's) to /v1/batch at a capped rate.  Each connection waits `delay` ms between requests, so
-- connections x 1000 / (delay + latency) x batch bounds the event rate.
--   wrk -s segment-rate.lua URL -- AUTH_HEADER DELAY_MS [BATCH]
local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

function init(args)
	auth = args[1]
	delay_ms = tonumber(args[2])
	batch = tonumber(args[3] or "20")
	math.randomseed(os.time() + tid * 7919)
	salt = math.random(1, 2147483647)
	n = 0
end

function delay()
	return delay_ms
end

function request()
	local parts = {}
	n = n + 1
	for i = 1, batch do
		parts[i] = string.format(
			'{"type":"track","event":"feature_used","userId":"load-%d",' ..
			'"messageId":"load-%d-%d-%d-%d",' ..
			'"properties":{"feature":"export_csv","seq":%d}}',
			(n * batch + i) % 5000, salt, tid, n, i, i)
	end
	return wrk.format("POST", "/v1/batch",
		{["Content-Type"] = "application/json",
		 ["Authorization"] = auth},
		'{"batch":[' .. table.concat(parts, ",") .. ']}')
end
