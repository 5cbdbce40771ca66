//! The sort order of a table, one type for every table: which column, which way, and what clicking a
//! header does (the same column flips, another column starts ascending).

use std::cmp::Ordering;

/// A table's sortable column: its header text.
pub trait SortColumn: Copy + PartialEq + Send + Sync + 'static {
    fn label(self) -> &'static str;
}

/// A table's order: a column of type `C` and a direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort<C> {
    pub column: C,
    pub ascending: bool,
}

impl<C: SortColumn> Sort<C> {
    /// Clicking a header: the same column flips direction, a new one starts ascending.
    pub fn toggled(self, column: C) -> Self {
        Sort {
            column,
            ascending: self.column != column || !self.ascending,
        }
    }

    /// `Some(true)` when sorted ascending by `column`, `Some(false)` descending, `None` when sorted by
    /// another column.
    pub fn direction_of(self, column: C) -> Option<bool> {
        (self.column == column).then_some(self.ascending)
    }

    /// The header's `aria-sort`: only the sorted column has one.
    pub fn aria_sort(self, column: C) -> Option<&'static str> {
        self.direction_of(column)
            .map(|ascending| if ascending { "ascending" } else { "descending" })
    }

    /// An ascending comparison turned the way this sort runs.
    pub fn apply(self, ascending: Ordering) -> Ordering {
        if self.ascending {
            ascending
        } else {
            ascending.reverse()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Col {
        A,
        B,
    }

    impl SortColumn for Col {
        fn label(self) -> &'static str {
            match self {
                Col::A => "A",
                Col::B => "B",
            }
        }
    }

    #[test]
    fn the_same_column_flips_and_a_new_one_starts_ascending() {
        let sort = Sort {
            column: Col::A,
            ascending: true,
        };
        let flipped = sort.toggled(Col::A);
        assert!(!flipped.ascending);
        assert!(flipped.toggled(Col::A).ascending);
        let other = flipped.toggled(Col::B);
        assert_eq!(other.column, Col::B);
        assert!(other.ascending);
    }

    #[test]
    fn only_the_sorted_column_has_aria_sort() {
        let sort = Sort {
            column: Col::B,
            ascending: false,
        };
        assert_eq!(sort.aria_sort(Col::B), Some("descending"));
        assert_eq!(sort.aria_sort(Col::A), None);
        assert_eq!(sort.toggled(Col::B).aria_sort(Col::B), Some("ascending"));
        assert_eq!(sort.direction_of(Col::A), None);
        assert_eq!(Col::A.label(), "A");
    }

    #[test]
    fn applies_the_direction() {
        let up = Sort {
            column: Col::A,
            ascending: true,
        };
        assert_eq!(up.apply(Ordering::Less), Ordering::Less);
        assert_eq!(up.toggled(Col::A).apply(Ordering::Less), Ordering::Greater);
    }
}
