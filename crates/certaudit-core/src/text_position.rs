//! Line and column of byte offsets in a text, for errors that name `FILE:line:column`. The
//! line starts are found once, so that placing many items (20,000 waivers) stays linear.

/// The start of every line of a text.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        let column = self.text.get(start..offset).map(|l| l.chars().count()).unwrap_or(0) + 1;
        (line, column)
    }

    /// Where a TOML parse error points, or (0, 0) when it gives no place.
    pub fn toml_error(&self, e: &toml::de::Error) -> (usize, usize) {
        e.span().map(|span| self.position(span.start)).unwrap_or((0, 0))
    }
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn lines_and_columns() {
        let text = "ab\né x\n\nlast";
        let i = LineIndex::new(text);
        assert_eq!(i.position(0), (1, 1));
        assert_eq!(i.position(2), (1, 3));
        assert_eq!(i.position(3), (2, 1));
        assert_eq!(i.position(6), (2, 3), "columns count characters");
        assert_eq!(i.position(8), (3, 1));
        assert_eq!(i.position(9), (4, 1));
        assert_eq!(i.position(999), (4, 5));
    }
}
