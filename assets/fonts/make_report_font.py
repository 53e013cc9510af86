from fontTools.ttLib import TTCollection, TTFont, newTable
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
import sys
src = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
coll = TTCollection(src)
names = [f["name"].getDebugName(4) for f in coll.fonts]
idx = [i for i, n in enumerate(names) if "SC" in n][0]
font = coll.fonts[idx]
# Characters: ASCII, Latin-1 punctuation, general punctuation, CJK symbols, full-width forms, GB2312 hanzi.
chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | set(range(0x2000, 0x2070)) | set(range(0x2190, 0x21FF)) | set(range(0x2200, 0x2300)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0)) | {0x2103, 0x2116, 0x2160, 0x2161, 0x2162, 0x2163, 0x2164, 0x25A0, 0x25B2, 0x25CF, 0x2605}
for hi in range(0xB0, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.add(ord(bytes([hi, lo]).decode("gb2312")))
        except Exception:
            pass
opts = subset.Options()
opts.desubroutinize = True
opts.name_IDs = ["*"]
opts.notdef_outline = True
opts.layout_features = []
opts.hinting = False
s = subset.Subsetter(opts)
s.populate(unicodes=chars)
s.subset(font)
# CFF outlines to TrueType (quadratic) outlines, so the PDF can embed it as a TrueType font.
order = font.getGlyphOrder()
gs = font.getGlyphSet()
glyf = newTable("glyf"); glyf.glyphOrder = order; glyf.glyphs = {}
for name in order:
    pen = TTGlyphPen(gs)
    try:
        gs[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    except Exception:
        glyf.glyphs[name] = TTGlyphPen(None).glyph()
font["glyf"] = glyf
font["loca"] = newTable("loca")
del font["CFF "]
if "VORG" in font: del font["VORG"]
font["maxp"].tableVersion = 0x00010000
for a in ("maxZones","maxTwilightPoints","maxStorage","maxFunctionDefs","maxInstructionDefs","maxStackElements","maxSizeOfInstructions","maxComponentElements","maxPoints","maxContours","maxCompositePoints","maxCompositeContours","maxComponentDepth"):
    setattr(font["maxp"], a, 0)
font["maxp"].maxZones = 1
font["head"].indexToLocFormat = 0
font["head"].glyphDataFormat = 0
font["post"].formatType = 3.0
font.sfntVersion = "\x00\x01\x00\x00"
font.save(sys.argv[1])
print(len(order), "glyphs")
