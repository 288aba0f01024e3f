//! The Star Schema Benchmark (`schemas/ssb.toml`) end to end in the
//! Snowflake emulator, against plain DuckDB over the same files.
//!
//! Sample files of the benchmark's four source tables are generated here,
//! deterministically, as Parquet with the lower-case field names the
//! benchmark's generator writes. Through dimgen's own objects: the generated
//! DDL (the date dimension filled by its `generate`), the internal stage
//! (`PUT`), each pipe's own COPY (matching by name; the fact's references
//! through `fields`), each task's MERGE (source: the landing table, as the
//! emulator has no streams), then the thirteen query marts. Independently,
//! DuckDB (the emulator venv's own `duckdb` package) reads the same files
//! and runs the benchmark's published queries, in plain SQL over the raw
//! tables with a date table of its own; every mart must return the rows the
//! published query does. The unknown-member audit must count no unknown
//! member (every reference of the sample resolves).
#![allow(
    clippy::doc_markdown,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]

use std::io::Write;
use std::process::{Command, Stdio};

use dimgen::writer::{ObjectName, StageLocation, Statement};
use dimgen_tests::emulator::{Emulator, NOT_EXECUTABLE, Step};
use dimgen_tests::{load_model, workspace_root};
use serde_json::{Value, json};

/// A deterministic pseudo-random sequence (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// `yyyymmdd` of the day `days` after 1992-01-01 (Howard Hinnant's civil_from_days).
fn date_key(days: i64) -> i64 {
    let z = days + 8_035 + 719_468; // 1992-01-01 is day 8035 after 1970-01-01
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    y * 10_000 + m * 100 + d
}

const NATIONS: [(&str, &str); 9] = [
    ("UNITED STATES", "AMERICA"),
    ("BRAZIL", "AMERICA"),
    ("CANADA", "AMERICA"),
    ("CHINA", "ASIA"),
    ("JAPAN", "ASIA"),
    ("INDIA", "ASIA"),
    ("UNITED KINGDOM", "EUROPE"),
    ("FRANCE", "EUROPE"),
    ("GERMANY", "EUROPE"),
];

/// The benchmark's city: the nation's first nine characters and a digit.
fn city(nation: &str, digit: u64) -> String {
    format!("{nation:<9.9}{digit}")
}

struct Files {
    customer: Value,
    supplier: Value,
    part: Value,
    lineorder: Value,
}

#[allow(clippy::needless_pass_by_value)] // built in place by every caller
fn column(name: &str, ty: &str, values: Vec<Value>) -> Value {
    json!({ "name": name, "type": ty, "values": values })
}

fn sample() -> Files {
    let mut r = Lcg(20_091_102);
    let geography = |r: &mut Lcg, i: u64| {
        let (nation, region) = NATIONS[(i % 9) as usize];
        // Cities 1 and 5 of the United Kingdom are what Q3.3 and Q3.4 ask for.
        let digit = if nation == "UNITED KINGDOM" {
            [1, 5][r.below(2) as usize]
        } else {
            r.below(10)
        };
        (nation, region, city(nation, digit))
    };
    let (mut c_key, mut c_name, mut c_city, mut c_nation, mut c_region) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 1..=36 {
        let (nation, region, city) = geography(&mut r, i);
        c_key.push(json!(i));
        c_name.push(json!(format!("Customer#{i:09}")));
        c_city.push(json!(city));
        c_nation.push(json!(nation));
        c_region.push(json!(region));
    }
    let customer = json!([
        column("c_custkey", "int64", c_key),
        column("c_name", "string", c_name),
        column("c_city", "string", c_city),
        column("c_nation", "string", c_nation),
        column("c_region", "string", c_region),
    ]);
    let (mut s_key, mut s_name, mut s_city, mut s_nation, mut s_region) = (vec![], vec![], vec![], vec![], vec![]);
    for i in 1..=18 {
        let (nation, region, city) = geography(&mut r, i + 4);
        s_key.push(json!(i));
        s_name.push(json!(format!("Supplier#{i:09}")));
        s_city.push(json!(city));
        s_nation.push(json!(nation));
        s_region.push(json!(region));
    }
    let supplier = json!([
        column("s_suppkey", "int64", s_key),
        column("s_name", "string", s_name),
        column("s_city", "string", s_city),
        column("s_nation", "string", s_nation),
        column("s_region", "string", s_region),
    ]);
    let (mut p_key, mut p_mfgr, mut p_category, mut p_brand) = (vec![], vec![], vec![], vec![]);
    for i in 1..=40 {
        let mfgr = 1 + r.below(2) + 2 * u64::from(i % 7 == 0);
        let category = format!("MFGR#{mfgr}{}", 1 + r.below(4) + u64::from(i % 3 == 0));
        let brand = format!("{category}{}", 21 + r.below(10));
        // Part 2 is the brand Q2.3 asks for.
        let (mfgr, category, brand) = if i == 2 {
            (2, "MFGR#22".to_owned(), "MFGR#2221".to_owned())
        } else {
            (mfgr, category, brand)
        };
        p_key.push(json!(i));
        p_mfgr.push(json!(format!("MFGR#{mfgr}")));
        p_category.push(json!(category));
        p_brand.push(json!(brand));
    }
    let part = json!([
        column("p_partkey", "int64", p_key),
        column("p_mfgr", "string", p_mfgr),
        column("p_category", "string", p_category),
        column("p_brand1", "string", p_brand),
    ]);
    let mut lo: Vec<Vec<Value>> = vec![Vec::new(); 11];
    for i in 0..600_u64 {
        let quantity = 1 + r.below(50);
        let price = 900 + r.below(1100); // per unit
        let discount = r.below(11);
        let day = r.below(2_557) as i64;
        let (mut customer, mut part, mut supplier) = (1 + r.below(36), 1 + r.below(40), 1 + r.below(18));
        let (mut date, mut quantity_sold, mut discount_given) = (date_key(day), quantity, discount);
        // Every twentieth line is one that a selective query asks for:
        // Q1.3 (ISO week 6 of 1994), Q1.2 (January 1994), Q3.3 and Q3.4
        // (British cities on both sides, December 1997), Q2.3 (the brand
        // MFGR#2221 from a European supplier).
        match i % 20 {
            0 => (date, quantity_sold, discount_given) = (19_940_208, 30, 6),
            1 => (date, quantity_sold, discount_given) = (19_940_115, 27, 5),
            2 => (customer, supplier, date) = (6 + 9 * (i / 20 % 4), 2, 19_971_215),
            3 => (part, supplier) = (2, 3),
            _ => {}
        }
        let (quantity, discount) = (quantity_sold, discount_given);
        let extended = quantity * price;
        let revenue = extended * (100 - discount); // in hundredths
        let cost = price * 6 / 10 * quantity;
        let values = [
            json!(i / 4 + 1),
            json!(i % 4 + 1),
            json!(customer),
            json!(part),
            json!(supplier),
            json!(date),
            json!(quantity),
            json!(format!("{extended}.00")),
            json!(discount),
            json!(format!("{}.{:02}", revenue / 100, revenue % 100)),
            json!(format!("{cost}.00")),
        ];
        for (column, value) in lo.iter_mut().zip(values) {
            column.push(value);
        }
    }
    let names = [
        ("lo_orderkey", "int64"),
        ("lo_linenumber", "int64"),
        ("lo_custkey", "int64"),
        ("lo_partkey", "int64"),
        ("lo_suppkey", "int64"),
        ("lo_orderdate", "int64"),
        ("lo_quantity", "int64"),
        ("lo_extendedprice", "decimal(12,2)"),
        ("lo_discount", "int64"),
        ("lo_revenue", "decimal(12,2)"),
        ("lo_supplycost", "decimal(12,2)"),
    ];
    let lineorder = Value::Array(
        names
            .iter()
            .zip(lo)
            .map(|((name, ty), values)| column(name, ty, values))
            .collect(),
    );
    Files {
        customer,
        supplier,
        part,
        lineorder,
    }
}

/// The benchmark's published queries, in DuckDB's SQL over the raw files
/// (`customer`, `supplier`, `part`, `lineorder`) and a date table DuckDB
/// builds itself; the mart each one is, and the columns to read from it.
const QUERIES: &[(&str, &str, &str)] = &[
    (
        "SSB_Q1_1",
        "REVENUE",
        "select sum(lo_extendedprice * lo_discount) from lineorder, dates where lo_orderdate = d_datekey and d_year = 1993 and lo_discount between 1 and 3 and lo_quantity < 25",
    ),
    (
        "SSB_Q1_2",
        "REVENUE",
        "select sum(lo_extendedprice * lo_discount) from lineorder, dates where lo_orderdate = d_datekey and d_yearmonthnum = 199401 and lo_discount between 4 and 6 and lo_quantity between 26 and 35",
    ),
    (
        "SSB_Q1_3",
        "REVENUE",
        "select sum(lo_extendedprice * lo_discount) from lineorder, dates where lo_orderdate = d_datekey and d_weeknuminyear = 6 and d_year = 1994 and lo_discount between 5 and 7 and lo_quantity between 26 and 35",
    ),
    (
        "SSB_Q2_1",
        "D_YEAR, P_BRAND1, LO_REVENUE",
        "select d_year, p_brand1, sum(lo_revenue) from lineorder, dates, part, supplier where lo_orderdate = d_datekey and lo_partkey = p_partkey and lo_suppkey = s_suppkey and p_category = 'MFGR#12' and s_region = 'AMERICA' group by d_year, p_brand1",
    ),
    (
        "SSB_Q2_2",
        "D_YEAR, P_BRAND1, LO_REVENUE",
        "select d_year, p_brand1, sum(lo_revenue) from lineorder, dates, part, supplier where lo_orderdate = d_datekey and lo_partkey = p_partkey and lo_suppkey = s_suppkey and p_brand1 between 'MFGR#2221' and 'MFGR#2228' and s_region = 'ASIA' group by d_year, p_brand1",
    ),
    (
        "SSB_Q2_3",
        "D_YEAR, P_BRAND1, LO_REVENUE",
        "select d_year, p_brand1, sum(lo_revenue) from lineorder, dates, part, supplier where lo_orderdate = d_datekey and lo_partkey = p_partkey and lo_suppkey = s_suppkey and p_brand1 = 'MFGR#2221' and s_region = 'EUROPE' group by d_year, p_brand1",
    ),
    (
        "SSB_Q3_1",
        "C_NATION, S_NATION, D_YEAR, LO_REVENUE",
        "select c_nation, s_nation, d_year, sum(lo_revenue) from customer, lineorder, supplier, dates where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey and c_region = 'ASIA' and s_region = 'ASIA' and d_year >= 1992 and d_year <= 1997 group by c_nation, s_nation, d_year",
    ),
    (
        "SSB_Q3_2",
        "C_CITY, S_CITY, D_YEAR, LO_REVENUE",
        "select c_city, s_city, d_year, sum(lo_revenue) from customer, lineorder, supplier, dates where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey and c_nation = 'UNITED STATES' and s_nation = 'UNITED STATES' and d_year >= 1992 and d_year <= 1997 group by c_city, s_city, d_year",
    ),
    (
        "SSB_Q3_3",
        "C_CITY, S_CITY, D_YEAR, LO_REVENUE",
        "select c_city, s_city, d_year, sum(lo_revenue) from customer, lineorder, supplier, dates where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey and (c_city = 'UNITED KI1' or c_city = 'UNITED KI5') and (s_city = 'UNITED KI1' or s_city = 'UNITED KI5') and d_year >= 1992 and d_year <= 1997 group by c_city, s_city, d_year",
    ),
    (
        "SSB_Q3_4",
        "C_CITY, S_CITY, D_YEAR, LO_REVENUE",
        "select c_city, s_city, d_year, sum(lo_revenue) from customer, lineorder, supplier, dates where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_orderdate = d_datekey and (c_city = 'UNITED KI1' or c_city = 'UNITED KI5') and (s_city = 'UNITED KI1' or s_city = 'UNITED KI5') and d_yearmonth = 'Dec1997' group by c_city, s_city, d_year",
    ),
    (
        "SSB_Q4_1",
        "D_YEAR, C_NATION, PROFIT",
        "select d_year, c_nation, sum(lo_revenue - lo_supplycost) from dates, customer, supplier, part, lineorder where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_partkey = p_partkey and lo_orderdate = d_datekey and c_region = 'AMERICA' and s_region = 'AMERICA' and (p_mfgr = 'MFGR#1' or p_mfgr = 'MFGR#2') group by d_year, c_nation",
    ),
    (
        "SSB_Q4_2",
        "D_YEAR, S_NATION, P_CATEGORY, PROFIT",
        "select d_year, s_nation, p_category, sum(lo_revenue - lo_supplycost) from dates, customer, supplier, part, lineorder where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_partkey = p_partkey and lo_orderdate = d_datekey and c_region = 'AMERICA' and s_region = 'AMERICA' and (d_year = 1997 or d_year = 1998) and (p_mfgr = 'MFGR#1' or p_mfgr = 'MFGR#2') group by d_year, s_nation, p_category",
    ),
    (
        "SSB_Q4_3",
        "D_YEAR, S_CITY, P_BRAND1, PROFIT",
        "select d_year, s_city, p_brand1, sum(lo_revenue - lo_supplycost) from dates, customer, supplier, part, lineorder where lo_custkey = c_custkey and lo_suppkey = s_suppkey and lo_partkey = p_partkey and lo_orderdate = d_datekey and c_region = 'AMERICA' and s_nation = 'UNITED STATES' and (d_year = 1997 or d_year = 1998) and p_category = 'MFGR#14' group by d_year, s_city, p_brand1",
    ),
];

/// DuckDB over the raw files: the rows of every published query.
fn duckdb(emulator: &Emulator, files: &[(&str, std::path::PathBuf)]) -> Vec<Vec<Vec<Value>>> {
    let script = r#"
import json, sys, duckdb
request = json.load(sys.stdin)
con = duckdb.connect()
for name, path in request["files"]:
    con.execute(f"create view {name} as select * from read_parquet('{path}')")
con.execute("""
create table dates as
select cast(strftime(d, '%Y%m%d') as integer) as d_datekey, year(d) as d_year,
       year(d) * 100 + month(d) as d_yearmonthnum, strftime(d, '%b%Y') as d_yearmonth,
       weekofyear(d) as d_weeknuminyear
from (select unnest(generate_series(date '1992-01-01', date '1998-12-31', interval 1 day))::date as d)
""")
out = []
for sql in request["queries"]:
    out.append([[float(v) if not isinstance(v, (str, int)) and v is not None else v for v in row] for row in con.execute(sql).fetchall()])
print(json.dumps(out))
"#;
    let request = json!({
        "files": files.iter().map(|(n, p)| json!([n, p.to_string_lossy()])).collect::<Vec<_>>(),
        "queries": QUERIES.iter().map(|q| q.2).collect::<Vec<_>>(),
    });
    let mut child = Command::new(emulator.python())
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start DuckDB");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write");
    let output = child.wait_with_output().expect("DuckDB");
    assert!(
        output.status.success(),
        "DuckDB failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("DuckDB's JSON")
}

/// A value as comparable text: numbers to 2 decimals, NULL as `NULL`.
fn shown(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => format!("{:.2}", n.as_f64().unwrap_or(f64::NAN)),
        Value::Object(o) => match o.values().next() {
            Some(Value::String(s)) => s.parse::<f64>().map_or_else(|_| s.clone(), |n| format!("{n:.2}")),
            other => format!("{other:?}"),
        },
        other => other.to_string(),
    }
}

fn sorted(rows: &[Vec<Value>]) -> Vec<String> {
    let mut out: Vec<String> = rows
        .iter()
        .map(|r| r.iter().map(shown).collect::<Vec<_>>().join(" | "))
        .collect();
    out.sort();
    out
}

#[test]
fn the_star_schema_benchmark_answers_as_duckdb_does() {
    let Some(emulator) = Emulator::locate() else { return };
    let model = load_model(&workspace_root().join("schemas/ssb.toml"));
    let deployment = dimgen::generate(&model, "DEV").expect("generate");
    let object = |name: &str| ObjectName::qualified("SSB", "SSB_DEV", name);
    let statements = |prefix: &str| -> Vec<Statement> {
        deployment
            .statements()
            .filter(|(file, _)| file.starts_with(prefix))
            .map(|(_, s)| s.clone())
            .collect()
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let files = sample();
    let mut steps: Vec<Step> = ["01_", "02_", "05_"]
        .iter()
        .flat_map(|p| statements(p))
        .filter(|s| !NOT_EXECUTABLE.contains(&s.kind()))
        .map(|s| Step::exec(s.to_string()))
        .collect();
    let copies: Vec<dimgen::writer::Copy> = statements("06_")
        .into_iter()
        .filter_map(|s| match s {
            Statement::CreatePipe(pipe) => Some(pipe.copy),
            _ => None,
        })
        .collect();
    let mut raw = Vec::new();
    for (name, table, columns) in [
        ("customer", "DIM_CUSTOMER", &files.customer),
        ("supplier", "DIM_SUPPLIER", &files.supplier),
        ("part", "DIM_PART", &files.part),
        ("lineorder", "FACT_LINEORDER", &files.lineorder),
    ] {
        let path = dir.path().join(format!("{name}.parquet"));
        steps.push(Step::write_parquet(&path, columns.clone()));
        raw.push((name, path.clone()));
        let landing = object(&format!("{table}_LANDING"));
        let copy = copies.iter().find(|c| c.into == landing).expect("a pipe per load");
        let target = StageLocation {
            stage: copy.from.stage.clone(),
            path: copy.from.path.clone(),
        };
        steps.push(Step::exec(format!(
            "PUT file://{} {target} AUTO_COMPRESS = FALSE",
            path.to_str().expect("UTF-8 path")
        )));
        // What fakesnow lacks: PATTERN, ON_ERROR, INCLUDE_METADATA.
        let mut copy = copy.clone();
        copy.pattern = None;
        copy.on_error = None;
        copy.include_metadata.clear();
        steps.push(Step::exec(copy.to_string()));
    }
    // The MERGEs, dimensions first, reading the landing tables (no streams here).
    for s in statements("07_") {
        if let Statement::Task(task) = &s {
            let merge = match &task.body {
                Statement::Merge(m) => (**m).clone(),
                Statement::CheckedMerge { merge, .. } => (**merge).clone(),
                _ => continue,
            };
            let mut merge = merge;
            let table = merge.target.object().to_owned();
            merge.source = object(&format!("{table}_LANDING"));
            steps.push(Step::exec(merge.to_string()));
        }
    }
    for s in statements("07_") {
        if matches!(s, Statement::CreateView { .. }) {
            steps.push(Step::exec(s.to_string()));
        }
    }
    let audit = steps.len();
    steps.push(Step::query(format!(
        "SELECT ROWS_LANDED, LO_CUSTKEY_UNKNOWN, LO_PARTKEY_UNKNOWN, LO_SUPPKEY_UNKNOWN, LO_ORDERDATE_UNKNOWN FROM {}",
        object("FACT_LINEORDER_UNKNOWN_MEMBERS")
    )));
    for s in statements("03_") {
        steps.push(Step::exec(s.as_plain_view().unwrap_or(s).to_string()));
    }
    let first_mart = steps.len();
    for (mart, columns, _) in QUERIES {
        steps.push(Step::query(format!("SELECT {columns} FROM {}", object(mart))));
    }
    let outcomes = emulator.run(&steps);
    let failures: Vec<String> = outcomes
        .iter()
        .zip(&steps)
        .filter_map(|(o, s)| o.error.as_ref().map(|e| format!("{e}\n{}", s.sql)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(
        sorted(&outcomes[audit].rows),
        ["600.00 | 0.00 | 0.00 | 0.00 | 0.00"],
        "every line found its members"
    );
    let expected = duckdb(&emulator, &raw);
    let mut problems = Vec::new();
    let mut non_empty = 0;
    for (i, (mart, _, _)) in QUERIES.iter().enumerate() {
        let (got, want) = (sorted(&outcomes[first_mart + i].rows), sorted(&expected[i]));
        if want.iter().any(|r| !r.contains("NULL")) {
            non_empty += 1;
        }
        if got != want {
            problems.push(format!("{mart}: mart {got:?}\n  published query {want:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The sample is built so that most queries select something.
    assert!(non_empty >= 10, "only {non_empty} of 13 queries select rows");
}
