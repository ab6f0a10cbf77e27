//! The host application a plugin runs in.

wire_enum! {
    /// The host application a plugin runs in.
    #[derive(Default)]
    pub enum Platform("platform") {
        /// Trimble SketchUp.
        Sketchup = "sketchup",
        /// Autodesk Revit.
        Revit = "revit",
        /// Autodesk AutoCAD.
        Autocad = "autocad",
        /// McNeel Rhino.
        Rhino = "rhino",
        /// Graphisoft ArchiCAD.
        Archicad = "archicad",
        /// Blender.
        Blender = "blender",
        /// Anything else; in JSON, a name this SDK does not know reads as this.
        #[default]
        #[serde(other)]
        Other = "other",
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

    #[test]
    fn platform_names_parse_in_any_case_and_unknown_ones_list_the_choices() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().to_uppercase().parse::<Platform>(), Ok(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
            assert_eq!(p.to_string(), p.as_str());
        }
        assert_eq!(
            "maya".parse::<Platform>().unwrap_err(),
            "unknown platform \"maya\": use one of sketchup, revit, autocad, rhino, archicad, \
             blender, other"
        );
    }
}
