//! `kiln-fhirpath`: FHIRPath over FHIR JSON.
#![deny(missing_docs)]

pub mod calendar;
