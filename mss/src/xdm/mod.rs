//! XDM packages (`IHE_XDM.zip`): the archive layer ([`archive`]) writes the
//! IHE layout and reads hostile archives safely.

pub mod archive;

pub use archive::{
    ReadmeInfo, SubsetToWrite, XdmArchive, XdmFile, XdmLimits, XdmSubset, check_entry_name,
    hash_and_size, read_archive, write_archive,
};
