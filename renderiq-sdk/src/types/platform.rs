//! The host application a plugin runs in.

use std::fmt;

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The host application a plugin runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Trimble SketchUp.
    Sketchup,
    /// Autodesk Revit.
    Revit,
    /// Autodesk AutoCAD.
    Autocad,
    /// McNeel Rhino.
    Rhino,
    /// Graphisoft ArchiCAD.
    Archicad,
    /// Blender.
    Blender,
    /// Anything else.
    #[default]
    #[serde(other)]
    Other,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 7] = [
        Self::Sketchup,
        Self::Revit,
        Self::Autocad,
        Self::Rhino,
        Self::Archicad,
        Self::Blender,
        Self::Other,
    ];

    /// The wire spelling (`"sketchup"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sketchup => "sketchup",
            Self::Revit => "revit",
            Self::Autocad => "autocad",
            Self::Rhino => "rhino",
            Self::Archicad => "archicad",
            Self::Blender => "blender",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;

    /// Parses a platform name, case-insensitively.
    ///
    /// ```
    /// use renderiq_sdk::types::Platform;
    /// assert_eq!("Revit".parse::<Platform>().unwrap(), Platform::Revit);
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == lower).ok_or_else(|| {
            format!(
                "unknown platform {s:?}: use one of sketchup, revit, autocad, rhino, archicad, blender, other"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_platform_deserializes_as_other() {
        let p: Platform = serde_json::from_str("\"maya\"").unwrap();
        assert_eq!(p, Platform::Other);
    }
}
