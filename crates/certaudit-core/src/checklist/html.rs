//! `checklist.html`: one self-contained page rendered by tera, with the report's stylesheet.
//! Autoescape is on (the template name ends in `.html`) and no value is marked safe.

use tera::{Context, Tera};

use super::Checklist;
use crate::report::{Presenter, RenderError};

const TEMPLATE: &str = include_str!("../../../../templates/checklist.html.tera");

/// `checklist.html`: the plans for people.
pub struct HtmlFormat;

impl Presenter<Checklist> for HtmlFormat {
    fn name(&self) -> &'static str {
        "html"
    }
    fn help(&self) -> &'static str {
        "The plans for people (`checklist.html`)"
    }
    fn files(&self) -> &'static [&'static str] {
        &["checklist.html"]
    }
    fn render(&self, _file: &str, checklist: &Checklist, out: &mut dyn std::io::Write) -> Result<(), RenderError> {
        let html = render(checklist).map_err(|e| RenderError::Render(crate::report::html::describe(&e)))?;
        Ok(out.write_all(html.as_bytes())?)
    }
}

/// Renders the checklist as one HTML document.
pub fn render(checklist: &Checklist) -> tera::Result<String> {
    let mut tera = Tera::default();
    tera.add_raw_templates([("style.css", crate::report::html::STYLE), ("checklist.html", TEMPLATE)])?;
    let mut ctx = Context::new();
    ctx.insert("c", checklist);
    tera.render("checklist.html", &ctx)
}
