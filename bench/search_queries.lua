-- Twenty Chinese queries, in turn, against /search (words of the demo's calls, achievements,
-- demands, instruments and guides; some common, some rare, one long).
local queries = {
  "技术", "稀土", "锂电池", "新材料", "创新券", "科技计划项目申报", "人工智能", "生物医药",
  "仪器共享", "技术合同登记", "高新技术企业认定", "科技型中小企业", "重点实验室", "检测服务",
  "深度学习", "有色金属", "兰州", "白银", "专家评审", "基于深度学习的图像识别方法研究与应用"
}
local paths = {}
for i, q in ipairs(queries) do
  paths[i] = "/search?q=" .. q:gsub("[^%w]", function(c) return string.format("%%%02X", string.byte(c)) end)
end
local n = 0
request = function()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end
