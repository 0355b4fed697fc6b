//! `checklist.html`: one self-contained page rendered by tera, with the report's stylesheet.
//! Autoescape is on (the template name ends in `.html`) and no value is marked safe.

use tera::{Context, Tera};

use super::Checklist;

const TEMPLATE: &str = include_str!("../../../../templates/checklist.html.tera");

/// Renders the checklist as one HTML document.
pub fn render(checklist: &Checklist) -> tera::Result<String> {
    let mut tera = Tera::default();
    tera.add_raw_templates([("style.css", crate::report::html::STYLE), ("checklist.html", TEMPLATE)])?;
    let mut ctx = Context::new();
    ctx.insert("c", checklist);
    tera.render("checklist.html", &ctx)
}
