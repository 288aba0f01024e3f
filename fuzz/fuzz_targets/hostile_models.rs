//! Structure-aware: the real models (healthcare, retail, the hostile
//! fixture) with names, environments and comments replaced by hostile
//! strings, consistently where a name is referenced. A model that still
//! validates must generate SQL that passes the output checker, and export
//! and reload to the same model; one that does not must be refused with
//! diagnostics that render.
#![no_main]

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use model_core::Model;
use model_core::model::ColumnKind;

const MODELS: &[&str] = &[
    include_str!("../../schemas/healthcare.toml"),
    include_str!("../../schemas/retail.toml"),
    include_str!("../../tests/fixtures/valid/hostile.toml"),
];

/// What the first fuzzing run found, and the usual suspects.
const HOSTILE: &[&str] = &[
    "m\nDROP TABLE smuggled; --",
    "X\"; DROP TABLE smuggled; --",
    "A.B",
    "DIM$$X",
    "$$",
    "'; DROP TABLE x; --",
    "\u{7}",
    "\u{1b}[31m",
    "\u{0}",
    "\r",
    "\u{2028}",
    "\u{7f}",
    "select",
    "a\"b",
    "\\",
    "${env}",
    "$$${env}$$",
    "*/",
    "-- x",
    "尺寸",
    "",
    " ",
];

fn text(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok((*u.choose(HOSTILE)?).to_owned())
    } else {
        u.arbitrary()
    }
}

/// Rename dimension `i` everywhere it is referenced.
fn rename_dimension(model: &mut Model, i: usize, to: &str) {
    let from = std::mem::replace(&mut model.dimensions[i].name, to.to_owned());
    let columns = model
        .dimensions
        .iter_mut()
        .flat_map(|d| d.columns.iter_mut())
        .chain(model.facts.iter_mut().flat_map(|f| f.columns.iter_mut()))
        .chain(model.bridges.iter_mut().flat_map(|b| b.columns.iter_mut()));
    for column in columns {
        if let ColumnKind::Reference { dimension, .. } = &mut column.kind
            && *dimension == from
        {
            to.clone_into(dimension);
        }
    }
    for bridge in &mut model.bridges {
        for d in &mut bridge.dimensions {
            if *d == from {
                to.clone_into(d);
            }
        }
    }
}

fn mutate(u: &mut Unstructured<'_>, model: &mut Model) -> Result<()> {
    for _ in 0..u.int_in_range(1..=6)? {
        let t = text(u)?;
        match u.int_in_range(0..=9)? {
            0 => model.name = t,
            1 => model.database = format!("DB{t}"),
            2 => {
                if let Some(env) = model.environments.first_mut() {
                    env.name = t;
                }
                // Environments are kept in name order, as a TOML file's
                // table and `ModelBuilder` keep them (a renamed one moves).
                model.environments.sort_by(|a, b| a.name.cmp(&b.name));
            }
            3 => {
                if let Some(env) = model.environments.last_mut() {
                    env.schema = format!("S{t}");
                }
            }
            4 if !model.dimensions.is_empty() => {
                let i = u.choose_index(model.dimensions.len())?;
                rename_dimension(model, i, &format!("DIM{t}"));
            }
            5 if !model.facts.is_empty() => {
                let f = u.choose_index(model.facts.len())?;
                let fact = &mut model.facts[f];
                let c = u.choose_index(fact.columns.len().max(1))?;
                if let Some(column) = fact.columns.get_mut(c)
                    && !fact.grain.columns.contains(&column.name)
                {
                    column.name = format!("C{t}");
                }
            }
            6 => model.comment = Some(t),
            7 if !model.roles.is_empty() => {
                let r = u.choose_index(model.roles.len())?;
                model.roles[r].name = format!("R{t}");
            }
            8 if !model.stages.is_empty() => {
                let s = u.choose_index(model.stages.len())?;
                model.stages[s].comment = Some(t);
            }
            _ => {
                if let Some(env) = model.environments.first_mut() {
                    env.vars.insert("bucket".into(), t);
                }
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(which) = u.choose_index(MODELS.len()) else {
        return;
    };
    // Parsed once: the run's time goes to the mutated models.
    static SEEDS: std::sync::OnceLock<Vec<Model>> = std::sync::OnceLock::new();
    let seeds = SEEDS.get_or_init(|| {
        MODELS
            .iter()
            .map(|text| {
                model_core::load_str("model.toml", text)
                    .expect("the seed models load")
                    .model
                    .into_model()
            })
            .collect()
    });
    let mut model = seeds[which].clone();
    if mutate(&mut u, &mut model).is_err() {
        return;
    }
    let exported = model_core::to_toml(&model);
    match model_core::load_str("exported.toml", &exported) {
        Ok(reloaded) => {
            assert_eq!(
                reloaded.model, model,
                "export and reload changed the model:\n{exported}"
            );
            if let Err(e) = dimgen_tests::check::check_model(&reloaded.model) {
                panic!("generated SQL fails the checker: {e}\nthe model:\n{exported}");
            }
        }
        Err(e) => {
            let shown = e.diagnostics.render(100);
            assert!(
                !model_core::validate(&model).is_empty() || shown.contains("exported.toml"),
                "refused after export only:\n{shown}"
            );
            if let Some(c) = shown.chars().find(|&c| c.is_control() && c != '\n') {
                panic!("raw control character {c:?} in a diagnostic:\n{shown}");
            }
        }
    }
});
