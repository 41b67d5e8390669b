//! Reports: the structs other systems read (serde) and their text renderers.

pub mod table;
