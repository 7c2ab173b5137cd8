//! The output flags (`--nl`, `--array`, `--csv`, `--tsv`) turned into the
//! [`Format`] the listing commands write.

use crate::cli::OutputArgs;
use crate::output::Format;

impl Format {
    /// The mode chosen by the output flags, if any was given.
    pub fn chosen(args: OutputArgs) -> Option<Self> {
        if args.nl {
            Some(Self::Nl)
        } else if args.array {
            Some(Self::Array)
        } else if args.csv {
            Some(Self::Csv)
        } else if args.tsv {
            Some(Self::Tsv)
        } else {
            None
        }
    }

    /// The mode chosen by the output flags, pretty JSON when none was given.
    pub fn from_args(args: OutputArgs) -> Self {
        Self::chosen(args).unwrap_or(Self::Pretty)
    }
}
