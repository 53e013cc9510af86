//! Reports as PDF: a small document model (titles, paragraphs, tables, bar charts) laid out on A4
//! pages with a CJK font embedded in the binary, so a report reads the same on any machine with
//! no font installed. Text is extractable (a ToUnicode map), numbers stay as typed.
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;

/// Noto Sans CJK SC, cut to GB 2312 and ASCII (see `assets/fonts/README.md`).
const FONT: &[u8] = include_bytes!("../../../assets/fonts/NotoSansSC-Report.ttf");

/// A cell of a table, with an optional background (a status colour).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    pub fill: Option<[f32; 3]>,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), fill: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    Subtitle(String),
    Heading(String),
    Paragraph(String),
    /// Column widths as shares of the page width; the first row is the header.
    Table {
        widths: Vec<f32>,
        rows: Vec<Vec<Cell>>,
    },
    /// Horizontal bars: label, value, the value as text, colour.
    Bars {
        items: Vec<(String, f64, String, [f32; 3])>,
    },
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub blocks: Vec<Block>,
    /// Printed at the foot of every page with the page number.
    pub footer: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("the embedded font cannot be read: {0}")]
    Font(String),
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;

struct Writer<'f> {
    face: ttf_parser::Face<'f>,
    upem: f32,
    pages: Vec<Content>,
    y: f32,
    /// Glyphs used, by their id in the subset font: (id in the full font, the character).
    used: BTreeMap<u16, (u16, char)>,
    /// Full-font glyph ids to subset ids: the PDF embeds only the glyphs a report uses.
    remapper: subsetter::GlyphRemapper,
}

impl<'f> Writer<'f> {
    fn gid(&mut self, c: char) -> u16 {
        let g = self
            .face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('□'))
            .map(|g| g.0)
            .unwrap_or(0);
        let new = self.remapper.remap(g);
        self.used.entry(new).or_insert((g, c));
        new
    }
    fn advance(&self, c: char, size: f32) -> f32 {
        let g = self.face.glyph_index(c).or_else(|| self.face.glyph_index('□'));
        g.and_then(|g| self.face.glyph_hor_advance(g))
            .map(|a| a as f32 / self.upem * size)
            .unwrap_or(size)
    }
    fn width(&self, s: &str, size: f32) -> f32 {
        s.chars().map(|c| self.advance(c, size)).sum()
    }
    fn page(&mut self) -> &mut Content {
        if self.pages.is_empty() {
            self.pages.push(Content::new());
        }
        let n = self.pages.len();
        &mut self.pages[n - 1]
    }
    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }
    /// Room for `h` more points on this page, or a new page.
    fn need(&mut self, h: f32) {
        if self.y - h < MARGIN + 20.0 {
            self.new_page();
        }
    }
    fn text(&mut self, x: f32, y: f32, size: f32, s: &str, rgb: [f32; 3]) {
        let mut bytes = Vec::with_capacity(s.len() * 2);
        for c in s.chars() {
            bytes.extend_from_slice(&self.gid(c).to_be_bytes());
        }
        let page = self.page();
        page.set_fill_rgb(rgb[0], rgb[1], rgb[2]);
        page.begin_text();
        page.set_font(Name(b"F1"), size);
        page.next_line(x, y);
        page.show(Str(&bytes));
        page.end_text();
    }
    /// Breaks text into lines no wider than `width`: anywhere between CJK characters, at spaces
    /// inside Latin words.
    fn lines(&self, s: &str, size: f32, width: f32) -> Vec<String> {
        let mut out = Vec::new();
        for para in s.split('\n') {
            let mut line = String::new();
            let mut w = 0.0;
            for c in para.chars() {
                let a = self.advance(c, size);
                if w + a > width && !line.is_empty() {
                    let cut = if c.is_ascii_alphanumeric() {
                        line.rfind(' ').filter(|i| *i > 0)
                    } else {
                        None
                    };
                    match cut {
                        Some(i) => {
                            let rest = line[i + 1..].to_string();
                            line.truncate(i);
                            out.push(std::mem::take(&mut line));
                            w = self.width(&rest, size);
                            line = rest;
                        }
                        None => {
                            out.push(std::mem::take(&mut line));
                            w = 0.0;
                        }
                    }
                }
                line.push(c);
                w += a;
            }
            out.push(line);
        }
        out
    }
    fn paragraph(&mut self, s: &str, size: f32, rgb: [f32; 3], gap: f32) {
        let lead = size * 1.6;
        for l in self.lines(s, size, PAGE_W - 2.0 * MARGIN) {
            self.need(lead);
            self.y -= lead;
            self.text(MARGIN, self.y + size * 0.3, size, &l, rgb);
        }
        self.y -= gap;
    }
    fn table(&mut self, widths: &[f32], rows: &[Vec<Cell>]) {
        let size = 9.0;
        let lead = size * 1.45;
        let total: f32 = widths.iter().sum::<f32>().max(0.0001);
        let cols: Vec<f32> = widths.iter().map(|w| w / total * (PAGE_W - 2.0 * MARGIN)).collect();
        for (r, row) in rows.iter().enumerate() {
            let cells: Vec<Vec<String>> =
                row.iter().zip(&cols).map(|(c, w)| self.lines(&c.text, size, w - 8.0)).collect();
            let h = cells.iter().map(|l| l.len()).max().unwrap_or(1) as f32 * lead + 6.0;
            self.need(h);
            let top = self.y;
            let mut x = MARGIN;
            for (i, (cell, w)) in row.iter().zip(&cols).enumerate() {
                let fill = if r == 0 { Some([0.86, 0.90, 0.95]) } else { cell.fill };
                let page = self.page();
                if let Some(f) = fill {
                    page.set_fill_rgb(f[0], f[1], f[2]);
                    page.rect(x, top - h, *w, h);
                    page.fill_nonzero();
                }
                page.set_stroke_rgb(0.75, 0.78, 0.82);
                page.set_line_width(0.5);
                page.rect(x, top - h, *w, h);
                page.stroke();
                for (k, l) in cells[i].iter().enumerate() {
                    self.text(
                        x + 4.0,
                        top - 3.0 - lead * (k as f32 + 1.0) + size * 0.35,
                        size,
                        l,
                        [0.12, 0.16, 0.22],
                    );
                }
                x += w;
            }
            self.y = top - h;
        }
        self.y -= 10.0;
    }
    fn bars(&mut self, items: &[(String, f64, String, [f32; 3])]) {
        let max = items.iter().map(|i| i.1.abs()).fold(0.0, f64::max);
        let label_w = 170.0;
        let span = PAGE_W - 2.0 * MARGIN - label_w - 60.0;
        for (label, v, text, rgb) in items {
            self.need(18.0);
            self.y -= 18.0;
            self.text(MARGIN, self.y + 4.0, 9.0, label, [0.12, 0.16, 0.22]);
            let w = if max > 0.0 { (v.abs() / max) as f32 * span } else { 0.0 };
            let y = self.y;
            let page = self.page();
            page.set_fill_rgb(rgb[0], rgb[1], rgb[2]);
            page.rect(MARGIN + label_w, y + 2.0, w.max(1.0), 11.0);
            page.fill_nonzero();
            self.text(MARGIN + label_w + w + 4.0, self.y + 4.0, 9.0, text, [0.3, 0.3, 0.3]);
        }
        self.y -= 10.0;
    }
}

/// Lays the report out on A4 pages and writes the PDF.
pub fn render_pdf(report: &Report) -> Result<Vec<u8>, ReportError> {
    let face = ttf_parser::Face::parse(FONT, 0).map_err(|e| ReportError::Font(e.to_string()))?;
    let upem = face.units_per_em() as f32;
    let mut w = Writer {
        face,
        upem,
        pages: vec![],
        y: PAGE_H - MARGIN,
        used: BTreeMap::new(),
        remapper: subsetter::GlyphRemapper::new(),
    };
    w.new_page();
    w.lay_out(&report.blocks);
    w.footers(&report.footer);
    // Objects: catalog, page tree, pages and contents, the font.
    let mut pdf = Pdf::new();
    let font = FontRefs {
        type0: Ref::new(3),
        cid: Ref::new(4),
        desc: Ref::new(5),
        file: Ref::new(6),
        cmap: Ref::new(7),
    };
    w.write_pages(&mut pdf, Ref::new(1), Ref::new(2), font.type0);
    w.write_font(&mut pdf, &font)?;
    Ok(pdf.finish())
}

/// The objects of the embedded font.
struct FontRefs {
    type0: Ref,
    cid: Ref,
    desc: Ref,
    file: Ref,
    cmap: Ref,
}

const SYSTEM_INFO: SystemInfo =
    SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

impl Writer<'_> {
    fn lay_out(&mut self, blocks: &[Block]) {
        let dark = [0.04, 0.24, 0.48];
        for b in blocks {
            match b {
                Block::Title(t) => self.paragraph(t, 16.0, dark, 6.0),
                Block::Subtitle(t) => self.paragraph(t, 10.5, [0.42, 0.45, 0.5], 10.0),
                Block::Heading(t) => {
                    self.need(40.0);
                    self.y -= 8.0;
                    self.paragraph(t, 13.5, dark, 4.0)
                }
                Block::Paragraph(t) => self.paragraph(t, 10.5, [0.12, 0.16, 0.22], 6.0),
                Block::Table { widths, rows } => self.table(widths, rows),
                Block::Bars { items } => self.bars(items),
            }
        }
    }

    /// Each page's footer: the report's, and the page number out of all.
    fn footers(&mut self, footer: &str) {
        let n = self.pages.len();
        for i in 0..n {
            let foot = format!("{footer} · 第 {} 页 / 共 {n} 页", i + 1);
            let fw = self.width(&foot, 8.0);
            let mut bytes = Vec::new();
            for c in foot.chars() {
                bytes.extend_from_slice(&self.gid(c).to_be_bytes());
            }
            let page = &mut self.pages[i];
            page.set_fill_rgb(0.5, 0.5, 0.5);
            page.begin_text();
            page.set_font(Name(b"F1"), 8.0);
            page.next_line((PAGE_W - fw) / 2.0, MARGIN / 2.0);
            page.show(Str(&bytes));
            page.end_text();
        }
    }

    /// The catalog, the page tree and each page with its (compressed) content.
    fn write_pages(&mut self, pdf: &mut Pdf, catalog: Ref, tree: Ref, type0: Ref) {
        let n = self.pages.len();
        let page_ids: Vec<Ref> = (0..n).map(|i| Ref::new(10 + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().copied()).count(n as i32);
        let pages = std::mem::take(&mut self.pages);
        for (i, content) in pages.into_iter().enumerate() {
            let content_id = Ref::new(11 + 2 * i as i32);
            let mut page = pdf.page(page_ids[i]);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
            page.parent(tree);
            page.contents(content_id);
            page.resources().fonts().pair(Name(b"F1"), type0);
            page.finish();
            let data = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish().into_vec(), 6);
            pdf.stream(content_id, &data).filter(Filter::FlateDecode);
        }
    }

    /// The font: a Type0 font over a CID font with the used glyphs' widths, its descriptor,
    /// the subset font file and the map back to text.
    fn write_font(&self, pdf: &mut Pdf, font: &FontRefs) -> Result<(), ReportError> {
        pdf.type0_font(font.type0)
            .base_font(Name(b"INNOCS+NotoSansSC-Report"))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(font.cid)
            .to_unicode(font.cmap);
        let mut c = pdf.cid_font(font.cid);
        c.subtype(CidFontType::Type2)
            .base_font(Name(b"INNOCS+NotoSansSC-Report"))
            .system_info(SYSTEM_INFO)
            .font_descriptor(font.desc)
            .default_width(1000.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        {
            let mut widths = c.widths();
            for (new, (old, _)) in &self.used {
                let adv = self.face.glyph_hor_advance(ttf_parser::GlyphId(*old)).unwrap_or(1000)
                    as f32
                    / self.upem
                    * 1000.0;
                widths.consecutive(*new, [adv]);
            }
        }
        c.finish();
        self.write_descriptor(pdf, font);
        let subset = subsetter::subset(FONT, 0, &self.remapper)
            .map_err(|e| ReportError::Font(format!("{e:?}")))?;
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
        pdf.stream(font.file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);
        let mut map = UnicodeCmap::new(Name(b"Custom"), SYSTEM_INFO);
        for (g, (_, ch)) in &self.used {
            map.pair(*g, *ch);
        }
        pdf.cmap(font.cmap, &map.finish().into_vec());
        Ok(())
    }

    fn write_descriptor(&self, pdf: &mut Pdf, font: &FontRefs) {
        let bbox = self.face.global_bounding_box();
        let s = 1000.0 / self.upem;
        pdf.font_descriptor(font.desc)
            .name(Name(b"INNOCS+NotoSansSC-Report"))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                bbox.x_min as f32 * s,
                bbox.y_min as f32 * s,
                bbox.x_max as f32 * s,
                bbox.y_max as f32 * s,
            ))
            .italic_angle(0.0)
            .ascent(self.face.ascender() as f32 * s)
            .descent(self.face.descender() as f32 * s)
            .cap_height(self.face.capital_height().unwrap_or(733) as f32 * s)
            .stem_v(80.0)
            .font_file2(font.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_a_pdf_with_its_font_and_text_map() {
        let r = Report {
            blocks: vec![
                Block::Title("科技指标监测和评估报告".into()),
                Block::Paragraph(
                    "全社会研发投入占GDP的比重为 2.71%，低于规划路径 0.19 个百分点。".repeat(20),
                ),
                Block::Table {
                    widths: vec![3.0, 1.0],
                    rows: vec![
                        vec![Cell::plain("指标"), Cell::plain("实际")],
                        vec![
                            Cell::plain("技术合同成交额"),
                            Cell { text: "46.2".into(), fill: Some([0.9, 0.95, 0.9]) },
                        ],
                    ],
                },
                Block::Bars {
                    items: vec![("兰州高新区".into(), 52.6, "52.6".into(), [0.2, 0.4, 0.7])],
                },
            ],
            footer: "innocity".into(),
        };
        let pdf = render_pdf(&r).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("/FontFile2")
                && text.contains("/ToUnicode")
                && text.contains("/Identity-H")
        );
        assert!(text.trim_end().ends_with("%%EOF"));
        assert!(pdf.len() < 200_000, "only the glyphs used are embedded: {} bytes", pdf.len());
    }
}
