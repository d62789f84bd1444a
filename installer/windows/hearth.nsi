; The connector for Windows: hearth.exe (the command line), hearthw.exe (the same without
; a console window, for the agent), hearth-tray.exe and hearth-console.exe.
; makensis -DVERSION=... -DBIN=staging-folder -DOUT=installer.exe hearth.nsi
Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma

!ifndef VERSION
  !define VERSION "0.0.0"
!endif

Name "Hearth"
OutFile "${OUT}"
InstallDir "$PROGRAMFILES64\Hearth"
InstallDirRegKey HKLM "Software\Hearth" "InstallDir"
RequestExecutionLevel admin
BrandingText "Hearth ${VERSION}"

!include "MUI2.nsh"
!define MUI_ICON "${BIN}\hearth.ico"
!define MUI_UNICON "${BIN}\hearth.ico"
!define MUI_WELCOMEPAGE_TEXT "This installs the Hearth connector: it backs this PC up to your home server every night, watches its health, and shows the state of your home by the clock.$\r$\n$\r$\nAt the end, you join this PC to the server with your user name and password."
; The join runs as the person at the desktop, not as the administrator whose password
; allowed the install: this PC's settings belong in their profile.
!define MUI_FINISHPAGE_RUN
!define MUI_FINISHPAGE_RUN_TEXT "Join this PC to the home server now"
!define MUI_FINISHPAGE_RUN_FUNCTION JoinAsUser
!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES
!insertmacro MUI_LANGUAGE "English"

VIProductVersion "0.0.0.0"
VIAddVersionKey "ProductName" "Hearth"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "Hearth connector installer"
VIAddVersionKey "LegalCopyright" "The Hearth authors"

!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\Hearth"
!define RUNKEY "Software\Microsoft\Windows\CurrentVersion\Run"

Section "Hearth"
  SetShellVarContext all
  ; A running tray or agent holds its program open.
  nsExec::Exec 'taskkill /F /IM hearth-tray.exe'
  nsExec::Exec 'taskkill /F /IM hearthw.exe'
  nsExec::Exec 'taskkill /F /IM hearth-console.exe'
  SetOutPath "$INSTDIR"
  File "${BIN}\hearth.exe"
  File "${BIN}\hearthw.exe"
  File "${BIN}\hearth-tray.exe"
  File "${BIN}\hearth-console.exe"
  File "${BIN}\hearth.ico"
  WriteUninstaller "$INSTDIR\uninstall.exe"
  WriteRegStr HKLM "Software\Hearth" "InstallDir" "$INSTDIR"

  ; The tray at every logon; the agent (nightly backup, health reports) as a task for
  ; every user, registered by the program itself.
  WriteRegStr HKLM "${RUNKEY}" "Hearth" '"$INSTDIR\hearth-tray.exe"'
  nsExec::ExecToLog '"$INSTDIR\hearth.exe" service install'
  Pop $0
  StrCmp $0 "0" +2
    MessageBox MB_ICONEXCLAMATION "The nightly backup could not be registered (status $0). Run 'hearth service install' as an administrator later." /SD IDOK

  CreateShortcut "$SMPROGRAMS\Hearth.lnk" "$INSTDIR\hearth-console.exe" "" "$INSTDIR\hearth.ico"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "Hearth"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "The Hearth authors"
  WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\hearth.ico"
  WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\hearth-tray.exe"'
SectionEnd

Function JoinAsUser
  Exec '"$WINDIR\explorer.exe" "$INSTDIR\hearth-console.exe"'
FunctionEnd

Section "Uninstall"
  SetShellVarContext all
  nsExec::ExecToLog '"$INSTDIR\hearth.exe" service uninstall'
  nsExec::Exec 'taskkill /F /IM hearth-tray.exe'
  nsExec::Exec 'taskkill /F /IM hearthw.exe'
  nsExec::Exec 'taskkill /F /IM hearth-console.exe'
  DeleteRegValue HKLM "${RUNKEY}" "Hearth"
  DeleteRegKey HKLM "${UNINSTKEY}"
  DeleteRegKey HKLM "Software\Hearth"
  Delete "$SMPROGRAMS\Hearth.lnk"
  ; This PC's settings (its token for the server) stay in each user's profile, and its
  ; backups stay on the server.
  Delete "$INSTDIR\hearth.exe"
  Delete "$INSTDIR\hearthw.exe"
  Delete "$INSTDIR\hearth-tray.exe"
  Delete "$INSTDIR\hearth-console.exe"
  Delete "$INSTDIR\hearth.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
SectionEnd
