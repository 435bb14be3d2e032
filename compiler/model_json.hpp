#pragma once
/// Machine-readable renderings of the typed model (`show --json|--yaml`).
/// The schema is versioned and documented in docs/model-format.md.

#include <string>

#include "compiler/model.hpp"

namespace jailplan {

inline constexpr int k_model_format_version = 1;

std::string render_model_json(const DesiredState& state);
std::string render_model_yaml(const DesiredState& state);

}  // namespace jailplan
