-- imprint's resident pandoc (`pandoc lua pandoc_worker.lua`): one per worker process,
-- converting on request, one request after another, so pandoc starts once and not
-- per conversion. Each request is a line of JSON and then the input's bytes; each
-- answer a line of JSON and then the output's bytes. It does what the command lines
-- in source/markdown.py and renderers/docx.py do, with the same bytes out (tests
-- compare them), and reads nothing but its input: the reader runs sandboxed, and
-- the DOCX writer gets no image but those carried in the document (data: URLs).
-- Tabs are expanded by the caller, as the command line does before reading.
local json = pandoc.json

local function shift_headings(doc, by)
  -- pandoc's --shift-heading-level-by (Text.Pandoc.Shared.headerShift)
  if by == 0 then return doc end
  local blocks = doc.blocks
  while by < 0 and #blocks > 0 and blocks[1].t == "Header" and blocks[1].level + by == 0 do
    doc.meta.title = pandoc.MetaInlines(blocks[1].content)
    blocks:remove(1)
  end
  doc.blocks = blocks:walk{Header = function(h)
    if h.level + by > 0 then h.level = h.level + by; return h end
    return pandoc.Para(h.content)
  end}
  return doc
end

local function local_images_out(doc)
  -- the sandbox: only images carried in the document itself (data: URLs) are embedded;
  -- pandoc --sandbox writes any other image as its description
  return doc:walk{Image = function(image)
    if not image.src:match("^data:") then return image.caption end
  end}
end

local function with_api_version(tree)
  -- the JSON reader wants the version of the types the tree was written for: these
  local numbers = {}
  for number in tostring(PANDOC_API_VERSION):gmatch("%d+") do numbers[#numbers + 1] = number end
  return '{"pandoc-api-version":[' .. table.concat(numbers, ",") .. "]," .. tree:sub(2)
end

local function convert(request, input)
  -- reader options as on the command line: 72 columns (table widths), a sandbox
  if request.job == "html" then
    local doc = pandoc.read(input, request.from, {columns = 72}, {})
    -- as the command line writes text: ended by a newline
    return pandoc.write(doc, "html5", {wrap_text = "none", email_obfuscation = "none",
                                       html_math_method = "mathml", highlight_method = "none"})
      .. "\n"
  elseif request.job == "docx" or request.job == "docx-json" then
    local doc
    if request.job == "docx" then
      doc = pandoc.read(input, "html", {columns = 72}, {})
    else  -- the tree pandoc's HTML reader would make of the page (renderers/docx_ast.py)
      doc = pandoc.read(with_api_version(input), "json", {}, {})
    end
    doc = shift_headings(doc, request.shift or 0)
    doc.meta.lang = request.lang
    -- a tree made by docx_ast holds no image, and a walk over the whole document is a
    -- sixth of the job: it is left out where the JSON has not even the word Image in it
    if request.job == "docx" or input:find("Image", 1, true) then
      doc = local_images_out(doc)
    end
    return pandoc.write(doc, "docx", {reference_doc = request.reference})
  end
  error("unknown job " .. tostring(request.job))
end

while true do
  local header = io.stdin:read("l")
  if not header then break end
  local request = json.decode(header, false)
  local input = request.size > 0 and io.stdin:read(request.size) or ""
  local ok, result = pcall(convert, request, input)
  if ok then
    io.stdout:write(json.encode({ok = true, size = #result}), "\n", result)
  else
    io.stdout:write(json.encode({ok = false, error = tostring(result)}), "\n")
  end
  io.stdout:flush()
end
