-- wrk script for the todo benchmark: rotates users, tokens and task ids.
--
-- Environment:
--   BENCH_DATA      file of lines "<user> <token> <id> <id> ..." (reader users)
--   BENCH_WRITERS   file of lines "<user> <token>" (users that receive the creates)
--   BENCH_SCENARIO  list | list-filtered | get | create | update | toggle | mixed

local scenario = os.getenv("BENCH_SCENARIO")
local users, writers = {}, {}
local counter = 0
local thread_count = 0

local function split(line)
  local words = {}
  for word in line:gmatch("%S+") do words[#words + 1] = word end
  return words
end

local function load(path, into)
  for line in io.lines(path) do
    local words = split(line)
    local ids = {}
    for i = 3, #words do ids[#ids + 1] = words[i] end
    into[#into + 1] = { name = words[1], auth = "Bearer " .. words[2], ids = ids }
  end
end

function setup(thread)
  thread_count = thread_count + 1
  thread:set("offset", thread_count * 7919)
end

function init(args)
  load(os.getenv("BENCH_DATA"), users)
  load(os.getenv("BENCH_WRITERS"), writers)
  counter = offset or 0
end

local body = '{"title":"Benchmark task","description":"written by the load generator"}'

local function pick(list)
  counter = counter + 1
  return list[(counter % #list) + 1]
end

local function item(user)
  return "/api/" .. user.name .. "/tasks/" .. user.ids[((counter * 13) % #user.ids) + 1]
end

local function list()
  local user = pick(users)
  return wrk.format("GET", "/api/" .. user.name .. "/tasks", { ["Authorization"] = user.auth })
end

-- The first page of a user's open tasks, the last updated first (bench/run.py: FILTERED_QUERY).
local function list_filtered()
  local user = pick(users)
  return wrk.format("GET", "/api/" .. user.name .. "/tasks?completed=false&sort=-updated_at&limit=20",
    { ["Authorization"] = user.auth })
end

local function get()
  local user = pick(users)
  return wrk.format("GET", item(user), { ["Authorization"] = user.auth })
end

local function create()
  local user = pick(writers)
  return wrk.format("POST", "/api/" .. user.name .. "/tasks",
    { ["Authorization"] = user.auth, ["Content-Type"] = "application/json" }, body)
end

local function update()
  local user = pick(users)
  return wrk.format("PUT", item(user),
    { ["Authorization"] = user.auth, ["Content-Type"] = "application/json" }, body)
end

local function toggle()
  local user = pick(users)
  return wrk.format("PATCH", item(user) .. "/complete", { ["Authorization"] = user.auth })
end

-- 70 % reads, 20 % writes, 10 % toggles, interleaved.
local mix = { list, get, get, list, update, get, list, create, get, toggle }

function request()
  if scenario == "list" then return list()
  elseif scenario == "list-filtered" then return list_filtered()
  elseif scenario == "get" then return get()
  elseif scenario == "create" then return create()
  elseif scenario == "update" then return update()
  elseif scenario == "toggle" then return toggle()
  else
    counter = counter + 1
    return mix[(counter % #mix) + 1]()
  end
end
