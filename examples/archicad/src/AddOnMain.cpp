// Renderiq for ArchiCAD: the add-on glue. Everything that touches ArchiCAD is in this file;
// the render flow is in RenderController (portable, tested in CI).
//
// Built only with the ArchiCAD API DevKit (-DAC_API_DEVKIT_DIR=...), which is not available on
// the machines that build this repository: this file is NOT compiled or tested in CI. Calls
// marked "DevKit API" are ArchiCAD's; their names changed in ArchiCAD 27 (the ACAPI_* split), so
// both spellings are given, chosen by RENDERIQ_AC_VERSION (CMake cache variable). Check them
// against the ACAPinc.h of the DevKit you build with.
//
// Flow: Design > Renderiq > "Render 3D Window with Renderiq"
//   1. brings the 3D window forward and saves it as a PNG (DevKit picture export);
//   2. RenderController::startFromEncoded() -> returns at once, the upload runs in librenderiq;
//   3. the host's idle/timer callback calls RenderController::tick() (never blocks; see
//      RENDERIQ_AC_IDLE_HOOK below for how it is hooked up);
//   4. Done: the render is written next to the capture and reported; Failed: the message.

#include "APIEnvir.h"  // DevKit
#include "ACAPinc.h"   // DevKit: ACAPI_* functions and API_* types

#include "RenderController.hpp"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#ifdef _WIN32
#include <windows.h>
#endif

#ifndef RENDERIQ_AC_VERSION
#define RENDERIQ_AC_VERSION 27
#endif

namespace {

// Resource ids: Resources/RINT/RenderiqArchicad.grc.
constexpr short kAddOnInfoStrings = 32000;  // 'STR#' 32000: name, description
constexpr short kMenuStrings = 32500;       // 'STR#' 32500: the menu item
constexpr short kPromptStrings = 32520;     // 'STR#' 32520: the default prompt

std::unique_ptr<renderiq_archicad::RenderController> gController;
GS::UniString gCapturePath;  // the PNG of the last capture; the render is written beside it

// ---- DevKit API name differences (ArchiCAD 26 and older vs 27 and newer) -------------------
#if RENDERIQ_AC_VERSION >= 27
#define RQ_REGISTER_MENU(id) ACAPI_MenuItem_RegisterMenu((id), 0, MenuCode_UserDef, MenuFlag_Default)
#define RQ_INSTALL_MENU_HANDLER(id, proc) ACAPI_MenuItem_InstallMenuHandler((id), (proc))
#define RQ_CHANGE_WINDOW(info) ACAPI_Window_ChangeWindow((info))
#define RQ_SAVE_PICTURE(fsp, pars) ACAPI_ProjectOperation_Save((fsp), (pars))
#else
#define RQ_REGISTER_MENU(id) ACAPI_Register_Menu((id), 0, MenuCode_UserDef, MenuFlag_Default)
#define RQ_INSTALL_MENU_HANDLER(id, proc) ACAPI_Install_MenuHandler((id), (proc))
#define RQ_CHANGE_WINDOW(info) ACAPI_Automate(APIDo_ChangeWindowID, (info))
#define RQ_SAVE_PICTURE(fsp, pars) ACAPI_Automate(APIDo_SaveID, (fsp), (pars))
#endif

// The idle/timer hook. Which DevKit call delivers a periodic callback on ArchiCAD's main thread
// differs between versions (an idle notification, or a timer of a modeless palette) and is not
// verified here, so it is opt-in: define RENDERIQ_AC_IDLE_HOOK(proc) to your DevKit's
// registration call, e.g. -DRENDERIQ_AC_IDLE_HOOK(p)=MyRegisterIdle(p). Without it the menu
// command itself advances the render: choosing it again while a render runs ticks the
// controller and reports the progress or the result.

void Report(const std::string& utf8) {
    // DevKit API: a message in ArchiCAD's report window (true = also as an alert).
    ACAPI_WriteReport(GS::UniString(utf8.c_str(), CC_UTF8), true);
}

std::string Env(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return (v && *v) ? v : fallback;
}

std::string ResourceString(short resId, short index) {
    GS::UniString s;
    // DevKit API: reads 'STR#' resId[index] from this add-on's resources.
    RSGetIndString(&s, resId, index, ACAPI_GetOwnResModule());
    return s.ToCStr(CC_UTF8).Get();
}

#ifdef _WIN32
// renderiq.dll is delay-loaded (CMakeLists.txt): load it by absolute path from this add-on's
// folder before the first renderiq_* call, since ArchiCAD does not search that folder.
bool LoadRenderiqFromAddOnFolder() {
    HMODULE self = nullptr;
    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            reinterpret_cast<LPCWSTR>(&LoadRenderiqFromAddOnFolder), &self)) {
        return false;
    }
    wchar_t path[MAX_PATH];
    const DWORD n = GetModuleFileNameW(self, path, MAX_PATH);
    if (n == 0 || n == MAX_PATH) return false;
    std::wstring dll(path, n);
    dll = dll.substr(0, dll.find_last_of(L"\\/") + 1) + L"renderiq.dll";
    return LoadLibraryExW(dll.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH) != nullptr;
}
#endif

// Creates the controller on first use and makes sure it can call the API.
renderiq_archicad::RenderController* Controller() {
    if (gController) return gController.get();
#ifdef _WIN32
    if (!LoadRenderiqFromAddOnFolder()) {
        Report("Renderiq: renderiq.dll was not found beside the add-on.");
        return nullptr;
    }
#endif
    try {
        gController = std::make_unique<renderiq_archicad::RenderController>(
            R"({"baseUrl": ")" + Env("RENDERIQ_BASE_URL", "https://api.renderiq.io") +
            R"(", "platform": "archicad", "pluginName": "renderiq-archicad", "pluginVersion": "0.1.0"})");
        // The session is kept in the OS keychain by the SDK; an API key from the environment
        // is used when there is none. A real add-on shows a sign-in dialog here and calls
        // gController->signIn() off the main thread (it blocks on the network).
        if (!gController->isSignedIn()) {
            const std::string key = Env("RENDERIQ_API_KEY", "");
            if (!key.empty()) gController->useApiKey(key);
        }
    } catch (const std::exception& e) {  // renderiq::Error, renderiq::AbiMismatchError
        gController.reset();
        Report(std::string("Renderiq: ") + e.what());
        return nullptr;
    }
    return gController.get();
}

// Saves the 3D window as a PNG in the temp folder and returns its bytes (empty on failure).
std::vector<uint8_t> Capture3DWindow() {
    // DevKit API: make the 3D window the active one (the picture export saves the front window).
    API_WindowInfo windowInfo = {};
    windowInfo.typeID = APIWind_3DModelID;
    if (RQ_CHANGE_WINDOW(&windowInfo) != NoError) return {};

    // DevKit API: the temporary folder, and the file the picture export writes.
    IO::Location location;
    IO::fileSystem.GetSpecialLocation(IO::FileSystem::TemporaryFolder, &location);
    location.AppendToLocal(IO::Name("renderiq-archicad-capture.png"));

    // DevKit API: "Save as picture" of the 3D window, PNG, true colour.
    API_FileSavePars fsp = {};
    fsp.fileTypeID = APIFType_PNGFile;
    fsp.file = &location;
    API_SavePars_Picture picture = {};
    picture.colorDepth = APIColorDepth_TC24;
    picture.dithered = false;
    picture.view2D = false;
    picture.crop = true;
    if (RQ_SAVE_PICTURE(&fsp, &picture) != NoError) return {};

    location.ToPath(&gCapturePath);
    std::ifstream in(gCapturePath.ToCStr(CC_UTF8).Get(), std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    // A raw BGRA read-back of the 3D view (an OpenGL/Metal read-back, or decoding this PNG with
    // GX::Image) would go to gController->startFromBgra() instead, with its stride and
    // bottomUp = true for OpenGL.
}

void FinishRender(renderiq_archicad::RenderController& c) {
    if (c.state() == renderiq_archicad::RenderState::Failed) {
        Report("Renderiq: the render failed: " + c.errorMessage());
        return;
    }
    const std::vector<uint8_t>& bytes = c.result();
    const bool jpeg = bytes.size() > 2 && bytes[0] == 0xFF && bytes[1] == 0xD8;
    std::string path = gCapturePath.ToCStr(CC_UTF8).Get();
    path = path.substr(0, path.find_last_of("\\/") + 1) + (jpeg ? "renderiq-render.jpg" : "renderiq-render.png");
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    Report(out ? "Renderiq: render saved to " + path : "Renderiq: could not write " + path);
}

// Advances the render; never blocks the UI. Returns true when it just finished.
bool TickRender() {
    if (!gController || !gController->busy()) return false;
    try {
        const auto state = gController->tick();
        if (state == renderiq_archicad::RenderState::Done || state == renderiq_archicad::RenderState::Failed) {
            FinishRender(*gController);
            gController->reset();
            return true;
        }
    } catch (...) {  // never let an exception into ArchiCAD
    }
    return false;
}

#ifdef RENDERIQ_AC_IDLE_HOOK
// Called by the host's idle/timer mechanism (see RENDERIQ_AC_IDLE_HOOK above).
GSErrCode __ACENV_CALL OnIdle() {
    TickRender();
    return NoError;
}
#endif

GSErrCode __ACENV_CALL MenuCommandHandler(const API_MenuParams* menuParams) {
    if (menuParams->menuItemRef.menuResID != kMenuStrings || menuParams->menuItemRef.itemIndex != 1) return NoError;
    try {
        renderiq_archicad::RenderController* c = Controller();
        if (c == nullptr) return NoError;
        if (c->busy()) {
            if (!TickRender()) {
                Report("Renderiq: a render is running: " + std::string(renderiq_archicad::toString(c->state())) +
                       ", " + std::to_string(c->progress()) + "%.");
            }
            return NoError;
        }
        const std::vector<uint8_t> png = Capture3DWindow();
        if (png.empty()) {
            Report("Renderiq: could not capture the 3D window.");
            return NoError;
        }
        renderiq_archicad::RenderRequest request;
        request.prompt = Env("RENDERIQ_ARCHICAD_PROMPT", ResourceString(kPromptStrings, 1).c_str());
        if (!c->startFromEncoded(png.data(), png.size(), request)) {
            Report("Renderiq: " + c->errorMessage());
            c->reset();
        }
    } catch (const std::exception& e) {
        Report(std::string("Renderiq: ") + e.what());
    }
    return NoError;
}

}  // namespace

// ---- the DevKit's add-on entry points ----------------------------------------------------------

API_AddonType __ACENV_CALL CheckEnvironment(API_EnvirParams* envir) {
    RSGetIndString(&envir->addOnInfo.name, kAddOnInfoStrings, 1, ACAPI_GetOwnResModule());
    RSGetIndString(&envir->addOnInfo.description, kAddOnInfoStrings, 2, ACAPI_GetOwnResModule());
    return APIAddon_Preload;  // stays loaded: the idle handler and a running render need it
}

GSErrCode __ACENV_CALL RegisterInterface(void) { return RQ_REGISTER_MENU(kMenuStrings); }

GSErrCode __ACENV_CALL Initialize(void) {
    GSErrCode err = RQ_INSTALL_MENU_HANDLER(kMenuStrings, MenuCommandHandler);
#ifdef RENDERIQ_AC_IDLE_HOOK
    if (err == NoError) err = RENDERIQ_AC_IDLE_HOOK(OnIdle);
#endif
    ACAPI_KeepInMemory(true);
    return err;
}

GSErrCode __ACENV_CALL FreeData(void) {
    gController.reset();  // cancels a running render (the SDK frees its operation)
    return NoError;
}
