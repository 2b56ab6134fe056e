local function f() pcall(f) while true do end end
while true do pcall(f) end
