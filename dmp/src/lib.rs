//! DMP / Mon espace santé client.
#![allow(dead_code)]
mod xml;
