//! Rendering: `rudder template` against real helm v3 and v4, byte for
//! byte, on the team's corpus and on real-world charts.

mod cli;
mod corpus;
mod realcharts;
