//! "Did you mean …?": picking the most similar known name for a misspelled one.

/// The candidate most similar to `name`, if one is close enough to be a plausible typo: an edit
/// distance of at most a third of the name's length (at least 1), or the same name in another
/// case. Ties go to the candidate that comes first in `candidates` (callers pass sorted lists, so
/// suggestions are deterministic). `name` itself is never suggested.
pub fn similar<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let max = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &'a str)> = None;
    let mut rows = Vec::new();
    for candidate in candidates {
        if candidate == name || candidate.is_empty() {
            continue;
        }
        let distance = if candidate.eq_ignore_ascii_case(name) {
            0
        } else {
            match edit_distance(name, candidate, max, &mut rows) {
                Some(d) => d,
                None => continue,
            }
        };
        if best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// Edit distance between `a` and `b` counting insertions, deletions, substitutions and
/// transpositions of adjacent characters (optimal string alignment), or `None` if it exceeds
/// `max`. Identifiers are ASCII, so bytes are characters. `rows` is scratch space.
fn edit_distance(a: &str, b: &str, max: usize, rows: &mut Vec<usize>) -> Option<usize> {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    rows.clear();
    rows.resize(3 * width, 0);
    let (mut prev2, mut prev, mut cur) = (0, width, 2 * width);
    for (j, slot) in rows[prev..prev + width].iter_mut().enumerate() {
        *slot = j;
    }
    for i in 1..=a.len() {
        rows[cur] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut value = (rows[prev + j - 1] + cost)
                .min(rows[prev + j] + 1)
                .min(rows[cur + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(rows[prev2 + j - 2] + 1);
            }
            rows[cur + j] = value;
            row_min = row_min.min(value);
        }
        if row_min > max {
            return None;
        }
        (prev2, prev, cur) = (prev, cur, prev2);
    }
    let d = rows[prev + b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::similar;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(similar("totl", ["count", "total", "tot"]), Some("total"));
        assert_eq!(similar("x", ["y"]), Some("y"));
        assert_eq!(similar("area", ["volume", "height"]), None);
        assert_eq!(similar("Point", ["point"]), Some("point"));
        assert_eq!(similar("same", ["same"]), None);
        assert_eq!(similar("lenght", ["len", "length"]), Some("length"));
        assert_eq!(similar("cuont", ["count", "amount"]), Some("count"));
        assert_eq!(similar("pussh", ["pop", "push"]), Some("push"));
    }
}
