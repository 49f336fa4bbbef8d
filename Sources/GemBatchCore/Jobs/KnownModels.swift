/// The model names `validate` and `run` know, for the unknown-model warning ("did you mean").
///
/// For now the names the built-in mock's catalog lists (`GeminiMock.ModelCatalog`) and the keys
/// of the bundled price table; a model catalog will replace both.
public enum KnownModels {
  public static let catalogNames = [
    "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash", "gemini-2.0-flash-lite",
    "gemini-3-pro-preview", "gemini-3-flash-preview",
  ]

  public static let names: [String] = {
    var out = catalogNames
    for k in ((try? PriceTable.bundled())?.models.keys.sorted() ?? []) where !out.contains(k) { out.append(k) }
    return out
  }()
}
