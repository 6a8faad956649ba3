//! XDM packages (`IHE_XDM.zip`): the archive layer ([`archive`]) writes the
//! IHE layout and reads hostile archives safely; [`package`] packs CDA
//! documents with their XDS metadata (segur-cda) and unpacks them with checks.

pub mod action;
pub mod archive;
pub mod package;

pub use action::XdmAction;
pub use archive::{
    ReadmeInfo, SubsetToWrite, XdmArchive, XdmFile, XdmLimits, XdmSubset, check_entry_name,
    hash_and_size, read_archive, write_archive,
};
pub use package::{
    DocumentToPack, PackItem, PackOptions, Packed, PairToPack, Unpacked, UnpackedDocument,
    UnpackedPair, entry_uuid, pack, unpack,
};
