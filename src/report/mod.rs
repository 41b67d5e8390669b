//! Reports: the structs other systems read (serde) and their text renderers.

pub mod case;
pub mod coverage;
pub mod csv;
pub mod explain;
pub mod explain_case;
pub mod graph;
pub mod sarif;
pub mod select;
pub mod summary;
pub mod table;
