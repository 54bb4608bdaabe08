import Yams

/// Yams's composer, for tests that read a YAML fragment.
func Yams_compose(_ text: String) throws -> Node? { try Yams.compose(yaml: text) }
