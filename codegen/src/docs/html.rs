//! `index.html`: one self-contained page. The diagram is SVG laid out here
//! (no script draws it, so it is there before any script runs and in any
//! viewer); a short inline script filters the table list and finds columns
//! by name. No network: a Content-Security-Policy forbids every fetch, and
//! no user text reaches the script or the style — names and comments are
//! HTML-escaped text and attribute values only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use model_core::TableRef;

use super::content::{self, Cell, Inline, Sheet, SheetKind};
use super::describe::Described;

/// Text or an attribute value, escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The id of each sheet's section: `t-NAME` for a plain name, `t-<n>` otherwise.
struct Ids(BTreeMap<String, String>);

impl Ids {
    fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut map = BTreeMap::new();
        for (i, name) in names.into_iter().enumerate() {
            let plain = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let id = if plain { format!("t-{name}") } else { format!("t-{i}") };
            map.entry(name.to_owned()).or_insert(id);
        }
        Self(map)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

fn cell(c: &Cell, ids: &Ids) -> String {
    let mut out = String::new();
    for piece in c {
        match piece {
            Inline::Text(t) => out.push_str(&esc(t)),
            Inline::Code(t) => {
                let _ = write!(out, "<code>{}</code>", esc(t));
            }
            Inline::Link(name) => match ids.get(name) {
                Some(id) => {
                    let _ = write!(out, "<a href=\"#{id}\"><code>{}</code></a>", esc(name));
                }
                None => {
                    let _ = write!(out, "<code>{}</code>", esc(name));
                }
            },
        }
    }
    out
}

fn sheet_kind(kind: SheetKind) -> &'static str {
    match kind {
        SheetKind::Dimension => "dimension",
        SheetKind::Fact => "fact",
        SheetKind::Bridge => "bridge",
        SheetKind::Mart => "mart",
        SheetKind::Load => "load",
    }
}

fn section(out: &mut String, s: &Sheet, id: &str, ids: &Ids) {
    let kind = sheet_kind(s.kind);
    let _ = writeln!(
        out,
        "<section class=\"sheet\" id=\"{id}\" data-kind=\"{kind}\" data-name=\"{}\">",
        esc(s.name.as_deref().unwrap_or(&s.title))
    );
    let _ = writeln!(
        out,
        "<h2><span class=\"badge {kind}\">{kind}</span> {}</h2>",
        esc(&s.title)
    );
    if let Some(c) = &s.comment {
        let _ = writeln!(out, "<p>{}</p>", esc(c));
    }
    out.push_str("<table class=\"props\">\n");
    for (label, value) in &s.properties {
        let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(label), cell(value, ids));
    }
    out.push_str("</table>\n");
    if !s.rows.is_empty() {
        out.push_str("<table class=\"columns\">\n<thead><tr>");
        for h in s.header {
            let _ = write!(out, "<th>{}</th>", esc(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (name, cells) in &s.rows {
            let _ = write!(out, "<tr data-column=\"{}\">", esc(name));
            for c in cells {
                let _ = write!(out, "<td>{}</td>", cell(c, ids));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</section>\n");
}

/// A count as a coordinate (a diagram never has 2^32 of anything).
fn float(n: usize) -> f64 {
    f64::from(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Where a box of the diagram is.
struct Place {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

const BOX_H: f64 = 40.0;
const V_GAP: f64 = 18.0;
const H_GAP: f64 = 150.0;
const MARGIN: f64 = 24.0;
const CHAR_W: f64 = 9.0;

/// The overview diagram: tables in columns by depth (a table is one column
/// right of the deepest table it references, so every line runs right to
/// left, from the many side to the one side), ordered within a column by
/// the mean position of what they reference to keep lines short.
fn diagram(d: &Described<'_>, ids: &Ids) -> String {
    let n = d.tables.len();
    let index: BTreeMap<&str, usize> = d.tables.iter().enumerate().map(|(i, t)| (t.table.name(), i)).collect();
    let edges: Vec<(usize, usize, usize)> = d
        .relationships
        .iter()
        .enumerate()
        .filter_map(|(k, r)| Some((*index.get(r.from)?, *index.get(r.to)?, k)))
        .collect();
    // Depth: a longest path to a table that references nothing. Validation
    // refuses reference cycles; the bound keeps a cycle from looping here.
    let mut depth = vec![0usize; n];
    for _ in 0..n {
        let mut changed = false;
        for &(from, to, _) in &edges {
            if from != to && depth[from] < depth[to] + 1 && depth[to] < n {
                depth[from] = depth[to] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let columns = depth.iter().max().map_or(0, |m| m + 1);
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); columns];
    for (i, &k) in depth.iter().enumerate() {
        layers[k].push(i);
    }
    // A few sweeps of the barycenter heuristic.
    let mut rank = vec![0.0f64; n];
    let set_ranks = |layers: &Vec<Vec<usize>>, rank: &mut Vec<f64>| {
        for layer in layers {
            for (pos, &i) in layer.iter().enumerate() {
                rank[i] = float(pos) / float(layer.len().max(1));
            }
        }
    };
    set_ranks(&layers, &mut rank);
    for sweep in 0..4 {
        for layer in &mut layers {
            let mean = |i: usize| {
                let near: Vec<f64> = edges
                    .iter()
                    .filter_map(|&(from, to, _)| {
                        if sweep % 2 == 0 && from == i {
                            Some(rank[to])
                        } else if sweep % 2 == 1 && to == i {
                            Some(rank[from])
                        } else {
                            None
                        }
                    })
                    .collect();
                if near.is_empty() {
                    rank[i]
                } else {
                    near.iter().sum::<f64>() / float(near.len())
                }
            };
            let mut keyed: Vec<(f64, usize)> = layer.iter().map(|&i| (mean(i), i)).collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            *layer = keyed.into_iter().map(|(_, i)| i).collect();
        }
        set_ranks(&layers, &mut rank);
    }
    // Boxes: a table with many references gets room for their labels.
    let out_degree = |i: usize| edges.iter().filter(|e| e.0 == i).count();
    let width = |i: usize| {
        let t = &d.tables[i];
        let chars = t.table.name().chars().count().max(kind_caption(t.table).len());
        float(chars).mul_add(CHAR_W, 24.0)
    };
    let height = |i: usize| BOX_H.max(float(out_degree(i)).mul_add(13.0, 8.0));
    let mut places: Vec<Place> = (0..n)
        .map(|_| Place {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        })
        .collect();
    let mut x = MARGIN;
    let mut total_h: f64 = 0.0;
    for layer in &layers {
        let column_w = layer.iter().map(|&i| width(i)).fold(0.0, f64::max);
        let mut y = MARGIN;
        for &i in layer {
            places[i] = Place {
                x,
                y,
                w: column_w,
                h: height(i),
            };
            y += height(i) + V_GAP;
        }
        total_h = total_h.max(y);
        x += column_w + H_GAP;
    }
    // Centre each column vertically.
    for layer in &layers {
        let bottom = layer.last().map_or(MARGIN, |&i| places[i].y + places[i].h + V_GAP);
        let shift = ((total_h - bottom) / 2.0).max(0.0);
        for &i in layer {
            places[i].y += shift;
        }
    }
    let total_w = x - H_GAP + MARGIN;
    let total_h = total_h + MARGIN;

    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"diagram-svg\" viewBox=\"0 0 {total_w:.0} {total_h:.0}\" width=\"{total_w:.0}\" height=\"{total_h:.0}\" role=\"img\" aria-label=\"Entity-relationship diagram\">"
    );
    svg.push_str(
        "<defs>\
<marker id=\"one\" viewBox=\"0 0 12 12\" refX=\"11\" refY=\"6\" markerWidth=\"12\" markerHeight=\"12\" orient=\"auto\"><path d=\"M7,1 L7,11 M10,1 L10,11\" stroke=\"#555\" fill=\"none\"/></marker>\
<marker id=\"zero-one\" viewBox=\"0 0 16 12\" refX=\"15\" refY=\"6\" markerWidth=\"16\" markerHeight=\"12\" orient=\"auto\"><circle cx=\"5\" cy=\"6\" r=\"3\" stroke=\"#555\" fill=\"#fff\"/><path d=\"M13,1 L13,11\" stroke=\"#555\" fill=\"none\"/></marker>\
<marker id=\"many\" viewBox=\"0 0 12 12\" refX=\"1\" refY=\"6\" markerWidth=\"12\" markerHeight=\"12\" orient=\"auto\"><path d=\"M1,1 L11,6 L1,11 M1,6 L11,6\" stroke=\"#555\" fill=\"none\"/></marker>\
</defs>\n",
    );
    // Lines first, under the boxes; each leaves its table at its own height.
    for (i, place) in places.iter().enumerate() {
        let mut mine: Vec<&(usize, usize, usize)> = edges.iter().filter(|e| e.0 == i).collect();
        mine.sort_by(|a, b| places[a.1].y.total_cmp(&places[b.1].y).then(a.2.cmp(&b.2)));
        let count = float(mine.len());
        for (slot, &&(_, to, k)) in mine.iter().enumerate() {
            let r = &d.relationships[k];
            let (x1, y1) = (place.x, place.y + place.h * (float(slot) + 1.0) / (count + 1.0));
            let target = &places[to];
            let (x2, y2) = (target.x + target.w, target.y + target.h / 2.0);
            let bend = ((x1 - x2).abs() / 2.0).max(40.0);
            let end = if r.optional { "zero-one" } else { "one" };
            let _ = writeln!(
                svg,
                "<g class=\"edge\" data-from=\"{}\" data-column=\"{}\" data-to=\"{}\" data-role=\"{}\" data-optional=\"{}\"><title>{}.{} → {} ({})</title>\
<path d=\"M{x1:.1},{y1:.1} C{:.1},{y1:.1} {:.1},{y2:.1} {x2:.1},{y2:.1}\" fill=\"none\" stroke=\"#8a8a8a\" marker-start=\"url(#many)\" marker-end=\"url(#{end})\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" class=\"role\">{}</text></g>",
                esc(r.from),
                esc(r.column),
                esc(r.to),
                esc(&r.role),
                r.optional,
                esc(r.from),
                esc(r.column),
                esc(r.to),
                esc(&r.role),
                x1 - bend,
                x2 + bend,
                x1 - 14.0,
                y1 - 3.0,
                esc(&r.role)
            );
        }
    }
    for (i, t) in d.tables.iter().enumerate() {
        let p = &places[i];
        let name = t.table.name();
        let kind = t.table.kind().as_str();
        let href = ids.get(name).unwrap_or("diagram");
        let _ = writeln!(
            svg,
            "<a href=\"#{href}\"><g class=\"node {kind}\" data-table=\"{}\" data-kind=\"{kind}\"><title>{}</title>\
<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" class=\"name\">{}</text><text x=\"{:.1}\" y=\"{:.1}\" class=\"caption\">{}</text></g></a>",
            esc(name),
            esc(t.table.comment().unwrap_or(name)),
            p.x,
            p.y,
            p.w,
            p.h,
            p.x + 10.0,
            p.y + p.h / 2.0 - 3.0,
            esc(name),
            p.x + 10.0,
            p.y + p.h / 2.0 + 11.0,
            esc(&kind_caption(t.table))
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn kind_caption(t: TableRef<'_>) -> String {
    match t {
        TableRef::Dimension(d) => {
            if d.keeps_history() {
                "dimension · SCD2".to_owned()
            } else {
                format!("dimension · SCD{}", d.scd.number())
            }
        }
        TableRef::Fact(f) => format!("fact · {}", content::fact_type(f.fact_type)),
        TableRef::Bridge(_) => "bridge · many-to-many".to_owned(),
    }
}

const STYLE: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;display:flex;min-height:100vh}
nav{width:340px;flex:none;border-right:1px solid #d0d7de;padding:12px;position:sticky;top:0;height:100vh;overflow:auto;background:#f6f8fa}
nav h1{font-size:16px;margin:0 0 4px}
nav .where{color:#57606a;font-size:12px;margin-bottom:10px}
#search{width:100%;padding:6px 8px;border:1px solid #d0d7de;border-radius:6px;font:inherit}
#results{list-style:none;padding:0;margin:8px 0;font-size:13px}
#results li{padding:2px 0;overflow-wrap:anywhere}
nav h3{font-size:12px;text-transform:uppercase;color:#57606a;margin:14px 0 4px}
nav ul.tables{list-style:none;padding:0;margin:0}
nav ul.tables li{padding:1px 0}
nav a{color:#0969da;text-decoration:none}
nav a:hover{text-decoration:underline}
main{flex:1;padding:16px 24px;min-width:0}
.sheet{display:none}
.sheet:target,.sheet.shown{display:block}
#diagram{overflow:auto;border:1px solid #d0d7de;border-radius:6px;background:#fff}
h2{font-size:20px}
.badge{font-size:11px;border-radius:10px;padding:2px 8px;vertical-align:middle;color:#fff}
.badge.dimension{background:#0969da}.badge.fact{background:#bc4c00}.badge.bridge{background:#1a7f37}.badge.mart{background:#8250df}.badge.load{background:#57606a}
table{border-collapse:collapse;margin:8px 0 16px}
th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
table.props th{background:#f6f8fa;white-space:nowrap}
table.columns thead th{background:#f6f8fa}
tr.hit td{background:#fff8c5}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#eff1f3;padding:1px 4px;border-radius:4px}
svg .node rect{stroke-width:1.2}
svg .node.dimension rect{fill:#ddf4ff;stroke:#0969da}
svg .node.fact rect{fill:#fff1e5;stroke:#bc4c00}
svg .node.bridge rect{fill:#dafbe1;stroke:#1a7f37}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
svg text.name{font-weight:600}
svg text.caption{font-size:10px;fill:#57606a}
svg text.role{font-size:9px;fill:#57606a;text-anchor:end}
svg .edge:hover path{stroke:#cf222e;stroke-width:2}
"#;

/// Filters the list and finds columns by name; `?q=` runs a search on load,
/// the fragment picks the section shown.
const SCRIPT: &str = r"
(function(){
  var input=document.getElementById('search');
  var results=document.getElementById('results');
  function show(){
    var id=decodeURIComponent(location.hash.slice(1))||'overview';
    var any=false;
    document.querySelectorAll('.sheet').forEach(function(s){var on=s.id===id;s.classList.toggle('shown',on);any=any||on;});
    if(!any){document.getElementById('overview').classList.add('shown');}
  }
  function search(q){
    q=q.trim().toUpperCase();
    results.textContent='';
    document.querySelectorAll('tr.hit').forEach(function(r){r.classList.remove('hit');});
    document.querySelectorAll('nav ul.tables li').forEach(function(li){
      var name=li.getAttribute('data-name').toUpperCase();
      var sheet=document.getElementById(li.getAttribute('data-target'));
      var cols=sheet?sheet.querySelectorAll('tr[data-column]'):[];
      var match=!q||name.indexOf(q)>=0;
      cols.forEach(function(tr){
        if(q&&tr.getAttribute('data-column').toUpperCase().indexOf(q)>=0){
          match=true;tr.classList.add('hit');
          var item=document.createElement('li');item.className='result';
          item.setAttribute('data-table',li.getAttribute('data-name'));
          item.setAttribute('data-column',tr.getAttribute('data-column'));
          var a=document.createElement('a');a.href='#'+sheet.id;
          a.textContent=li.getAttribute('data-name')+'.'+tr.getAttribute('data-column');
          item.appendChild(a);results.appendChild(item);
        }
      });
      li.style.display=match?'':'none';
    });
  }
  input.addEventListener('input',function(){search(input.value);});
  window.addEventListener('hashchange',show);
  var q=new URLSearchParams(location.search).get('q');
  if(q){input.value=q;search(q);}
  show();
})();
";

/// The whole `index.html`.
pub(super) fn index_html(d: &Described<'_>) -> String {
    let model = d.target.model;
    let tables: Vec<Sheet> = d.tables.iter().map(|t| content::table_sheet(d, t)).collect();
    let marts = content::mart_sheets(d);
    let loads = content::load_sheets(d);
    let ids = Ids::new(tables.iter().chain(&marts).filter_map(|s| s.name.as_deref()));
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<meta name=\"generator\" content=\"dimgen docs\">\n");
    let _ = writeln!(
        out,
        "<title>{}: {}.{}</title>",
        esc(&model.name),
        esc(&d.target.database),
        esc(&d.target.schema)
    );
    let _ = writeln!(out, "<style>{STYLE}</style>\n</head>\n<body>");
    // The list.
    out.push_str("<nav>\n");
    let _ = writeln!(out, "<h1><a href=\"#overview\">{}</a></h1>", esc(&model.name));
    let _ = writeln!(
        out,
        "<div class=\"where\">{}.{} · environment {}</div>",
        esc(&d.target.database),
        esc(&d.target.schema),
        esc(&d.target.env.name)
    );
    out.push_str(
        "<input id=\"search\" type=\"search\" placeholder=\"Find a table or column\" aria-label=\"Find a table or column\" autocomplete=\"off\">\n<ul id=\"results\"></ul>\n",
    );
    let groups: [(&str, Vec<&Sheet>); 4] = [
        (
            "Dimensions",
            tables.iter().filter(|s| s.kind == SheetKind::Dimension).collect(),
        ),
        ("Facts", tables.iter().filter(|s| s.kind == SheetKind::Fact).collect()),
        (
            "Bridges",
            tables.iter().filter(|s| s.kind == SheetKind::Bridge).collect(),
        ),
        ("Marts", marts.iter().collect()),
    ];
    for (title, sheets) in &groups {
        if sheets.is_empty() {
            continue;
        }
        let _ = writeln!(out, "<h3>{title}</h3>\n<ul class=\"tables\">");
        for s in sheets {
            let name = s.name.as_deref().unwrap_or(&s.title);
            let id = ids.get(name).unwrap_or("overview");
            let _ = writeln!(
                out,
                "<li data-name=\"{}\" data-target=\"{id}\" data-kind=\"{}\"><a href=\"#{id}\">{}</a></li>",
                esc(name),
                sheet_kind(s.kind),
                esc(name)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h3>More</h3>\n<ul class=\"more\"><li><a href=\"#loads\">Loads</a></li><li><a href=\"#roles\">Roles</a></li></ul>\n");
    out.push_str("</nav>\n<main>\n");
    // The overview.
    out.push_str("<section class=\"sheet\" id=\"overview\">\n");
    let _ = writeln!(
        out,
        "<h2>{} <small>{}.{}</small></h2>",
        esc(&model.name),
        esc(&d.target.database),
        esc(&d.target.schema)
    );
    if let Some(c) = &model.comment {
        let _ = writeln!(out, "<p>{}</p>", esc(&d.target.text(c)));
    }
    let _ = writeln!(
        out,
        "<p>{} dimensions, {} facts, {} bridges, {} marts, {} roles, {} loads. Click a table to read its columns; lines run from the referencing table (many) to the dimension (one), labelled with the role it plays.</p>",
        model.dimensions.len(),
        model.facts.len(),
        model.bridges.len(),
        model.marts.len(),
        model.roles.len(),
        model.loads.len()
    );
    let _ = writeln!(out, "<div id=\"diagram\">\n{}</div>", diagram(d, &ids));
    out.push_str("</section>\n");
    for s in tables.iter().chain(&marts) {
        let name = s.name.as_deref().unwrap_or(&s.title);
        section(&mut out, s, ids.get(name).unwrap_or("overview"), &ids);
    }
    // Loads and roles, one section each.
    out.push_str("<section class=\"sheet\" id=\"loads\" data-kind=\"loads\">\n<h2>Loads</h2>\n");
    for s in &loads {
        let _ = writeln!(out, "<h3>{}</h3>\n<table class=\"props\">", esc(&s.title));
        for (label, value) in &s.properties {
            let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(label), cell(value, &ids));
        }
        out.push_str("</table>\n");
    }
    out.push_str("</section>\n<section class=\"sheet\" id=\"roles\" data-kind=\"roles\">\n<h2>Roles</h2>\n");
    let (header, rows) = content::roles(d);
    out.push_str("<table class=\"columns\"><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for cells in &rows {
        out.push_str("<tr>");
        for c in cells {
            let _ = write!(out, "<td>{}</td>", cell(c, &ids));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n</section>\n</main>\n");
    let _ = writeln!(out, "<script>{SCRIPT}</script>\n</body>\n</html>");
    out
}
