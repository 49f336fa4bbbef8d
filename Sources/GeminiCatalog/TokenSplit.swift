import GeminiAPI

/// How a usage's tokens are billed: what the exact and the integer pricing paths share.
///
/// Missing counts are 0; counts that do not add up are clamped at 0, never negative; every sum
/// saturates (a server may claim `Int64.max` tokens), so nothing here can trap.
struct TokenSplit: Sendable, Hashable {
  var prompt = 0
  var text = 0
  var cachedText = 0
  var audio = 0
  var cachedAudio = 0
  var tool = 0
  /// Text candidates + thoughts.
  var output = 0
  /// Output tokens of modality IMAGE (only split off when the row prices images).
  var image = 0

  init(_ usage: UsageMetadata?, images: Int = 0, imageTokensPerImage: Int? = nil, splitImages: Bool = false) {
    guard let u = usage else { return }
    let prompt = max(0, u.promptTokenCount ?? 0)
    let cached = min(prompt, max(0, u.cachedContentTokenCount ?? 0))
    func modality(_ list: [ModalityTokenCount]?, _ name: String) -> Int {
      guard let list else { return 0 }
      var n = 0
      for m in list where m.modality?.uppercased() == name { n = n.adding(saturating: max(0, m.tokenCount ?? 0)) }
      return n
    }
    let audioAll = min(prompt, modality(u.promptTokensDetails, "AUDIO"))
    let cachedAudio = min(cached, audioAll, modality(u.cacheTokensDetails, "AUDIO"))
    let audio = max(0, min(audioAll - cachedAudio, prompt - cached))
    self.prompt = prompt
    self.cachedAudio = cachedAudio
    self.audio = audio
    self.cachedText = cached - cachedAudio
    self.text = max(0, prompt - cached - audio)
    self.tool = max(0, u.toolUsePromptTokenCount ?? 0)
    let candidates = max(0, u.candidatesTokenCount ?? 0)
    var image = 0
    if splitImages {
      let detail = modality(u.candidatesTokensDetails, "IMAGE")
      if detail > 0 {
        image = min(candidates, detail)
      } else if images > 0, let per = imageTokensPerImage {
        image = min(candidates, max(0, images).multiplied(saturating: per))
      }
    }
    self.image = image
    self.output = (candidates - image).adding(saturating: max(0, u.thoughtsTokenCount ?? 0))
  }
}
