-- wrk script: POST /api/plugins/renders with a small PNG as multipart/form-data.
-- The token comes from the environment (RENDERIQ_BENCH_TOKEN), the image from
-- RENDERIQ_BENCH_IMAGE; every request is the same upload (the server charges each one).
local boundary = "renderiq-bench-boundary"
local token = os.getenv("RENDERIQ_BENCH_TOKEN")
local path = os.getenv("RENDERIQ_BENCH_IMAGE")
local f = assert(io.open(path, "rb"))
local png = f:read("*a")
f:close()

wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
wrk.body = "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"image\"; filename=\"view.png\"\r\n"
    .. "Content-Type: image/png\r\n\r\n"
    .. png .. "\r\n"
    .. "--" .. boundary .. "\r\n"
    .. "Content-Disposition: form-data; name=\"prompt\"\r\n\r\n"
    .. "bench\r\n"
    .. "--" .. boundary .. "--\r\n"
