//! Test support shared with the benches and examples (which include this module by path):
//! Exchange exports as `Export-Clixml` writes them, hostile inputs, and scripted servers on
//! 127.0.0.1.
#![allow(dead_code)]

pub mod exchange_writer;
pub mod hostile;
pub mod servers;
