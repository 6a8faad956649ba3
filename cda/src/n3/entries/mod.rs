//! The entry models (CI-SIS / IHE PCC content modules). Each implements
//! [`SectionEntry`](super::entry::SectionEntry): it renders its narrative
//! row(s) together with its XML and reads itself back from a parsed entry.

pub mod attachments;
pub mod devices;
pub mod immunizations;
pub mod medications;
pub mod observations;
pub mod problems;

pub use attachments::{Image, PdfCopy};
pub use devices::PrescribedDevice;
pub use immunizations::Immunization;
pub use medications::{
    DispenseQuantity, Dosage, DosageStep, GenericClass, Ingredient, Medication, Posology,
    PrescribedMedication, PrescriptionFlags, Product, Site, Substitution, Treatment,
};
pub use observations::{
    FamilyHistory, FamilyProblem, ObservationValue, PregnancyObservation, ResultObservation,
    SocialHistory, VitalSign, VitalSigns,
};
pub use problems::{Allergen, Allergy, ConcernStatus, InternalReference, Problem, Procedure};
