#include "sources/windows/nt_paths.hpp"

#include <windows.h>

#include <cwctype>

#include "platform/windows/wide.hpp"

namespace fimon {
namespace {

bool starts_with_ignoring_case(std::wstring_view text, std::wstring_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::towlower(text[i]) != std::towlower(prefix[i])) return false;
  }
  return true;
}

}  // namespace

DriveFile split_stream(std::string path) {
  const auto slash = path.rfind('/');
  const auto colon = path.find(':', slash == std::string::npos ? 0 : slash + 1);
  if (colon == std::string::npos) return {std::move(path), {}};
  std::string stream = path.substr(colon + 1);
  path.resize(colon);
  if (const auto type = stream.find(':'); type != std::string::npos) stream.resize(type);  // ":$DATA"
  return {std::move(path), std::move(stream)};
}

NtPathMap NtPathMap::from_system() {
  NtPathMap map;
  const DWORD drives = GetLogicalDrives();
  for (int letter = 0; letter < 26; ++letter) {
    if (!(drives & (1U << letter))) continue;
    const wchar_t drive[3] = {static_cast<wchar_t>(L'A' + letter), L':', L'\0'};
    wchar_t target[1024];
    if (QueryDosDeviceW(drive, target, static_cast<DWORD>(std::size(target))) == 0) continue;
    // The first of the NUL-separated targets is the current one.
    map.add(target, std::string{static_cast<char>('A' + letter), ':'});
  }
  return map;
}

void NtPathMap::add(std::wstring device, std::string drive) {
  while (!device.empty() && device.back() == L'\\') device.pop_back();
  if (!device.empty()) devices_.emplace_back(std::move(device), std::move(drive));
}

std::optional<DriveFile> NtPathMap::to_drive_path(std::wstring_view nt_path) const {
  const std::pair<std::wstring, std::string>* best = nullptr;
  for (const auto& entry : devices_) {
    const auto& device = entry.first;
    if (!starts_with_ignoring_case(nt_path, device)) continue;
    if (nt_path.size() > device.size() && nt_path[device.size()] != L'\\') continue;  // Volume1 vs Volume10
    if (best == nullptr || device.size() > best->first.size()) best = &entry;
  }
  if (best == nullptr) return std::nullopt;
  std::string rest = platform::to_utf8(nt_path.substr(best->first.size()));
  for (auto& c : rest) {
    if (c == '\\') c = '/';
  }
  while (rest.size() > 1 && rest.back() == '/') rest.pop_back();  // a directory opened as "dir\"
  if (rest.empty()) rest.push_back('/');  // (not = "/": GCC 12 -Wrestrict false positive)
  return split_stream(best->second + rest);
}

}  // namespace fimon
