<#
.SYNOPSIS
    Exports the Exchange facts certaudit audits into one folder, as CliXML.

.DESCRIPTION
    Run in the Exchange Management Shell (Exchange 2013, 2016, 2019 or Subscription Edition)
    with an account that may read the organisation's configuration (View-Only Organization
    Management is enough). For every Exchange server it exports Get-ExchangeCertificate,
    receive connectors, Get-TransportService (the internal transport certificate), POP/IMAP
    settings, the client access virtual directories, the client access service and the IIS
    site bindings (Get-WebBinding, read on the server through PowerShell remoting); for the
    organisation it exports Get-AuthConfig, Get-AcceptedDomain, send connectors and
    Get-ExchangeServer. Only standard Exchange, IIS and PowerShell cmdlets are used;
    nothing is installed or changed.

    The folder can then be audited offline:

        certaudit scan <OutputFolder> --out reports\

    Layout written:

        <OutputFolder>\organization\Get-AuthConfig.xml
        <OutputFolder>\organization\Get-AcceptedDomain.xml
        <OutputFolder>\organization\Get-SendConnector.xml
        <OutputFolder>\organization\Get-ExchangeServer.xml
        <OutputFolder>\<SERVER>\Get-ExchangeCertificate.xml
        <OutputFolder>\<SERVER>\Get-ReceiveConnector.xml
        <OutputFolder>\<SERVER>\Get-TransportService.xml
        <OutputFolder>\<SERVER>\Get-WebBinding.xml
        <OutputFolder>\<SERVER>\Get-ImapSettings.xml
        <OutputFolder>\<SERVER>\Get-PopSettings.xml
        <OutputFolder>\<SERVER>\Get-ClientAccessService.xml
        <OutputFolder>\<SERVER>\Get-<Kind>VirtualDirectory.xml   (Owa, Ecp, WebServices, ActiveSync, Oab, Mapi, Autodiscover)
        <OutputFolder>\collection-log.txt

    certaudit takes the server of an object from the object itself (PSComputerName, Server,
    Identity) and otherwise from the folder it sits in: Get-WebBinding objects read locally
    carry no server name, so keep each server's files in its own folder.

    A cmdlet that fails (a server that is down, a role it does not have, WinRM closed for
    Get-WebBinding) is logged with its error and the collection goes on. No private key, password or secret is exported:
    Get-ExchangeCertificate objects carry the certificate (RawData) and its bindings only.

.PARAMETER OutputFolder
    Folder to write into. Created when missing.

.PARAMETER Server
    Servers to collect from. Default: every server Get-ExchangeServer returns.

.EXAMPLE
    .\Collect-ExchangeCertInventory.ps1 -OutputFolder C:\Audit\Exchange-2026-06

.EXAMPLE
    .\Collect-ExchangeCertInventory.ps1 -OutputFolder C:\Audit\ex -Server EX01,EX02

.NOTES
    Edge Transport servers are not in the organisation's Active Directory: run the script on
    each Edge server with -Server <name> against its local shell.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string] $OutputFolder,

    [string[]] $Server
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

$log = New-Object System.Collections.Generic.List[string]
function Write-Log([string] $Message) {
    $line = '{0:u} {1}' -f (Get-Date).ToUniversalTime(), $Message
    $log.Add($line)
    Write-Verbose $line
}

function Export-Step([string] $Folder, [string] $Name, [scriptblock] $Command) {
    $path = Join-Path $Folder "$Name.xml"
    try {
        $objects = @(& $Command)
        $objects | Export-Clixml -Path $path -Encoding UTF8
        Write-Log ("ok      {0} ({1} object(s))" -f $path, $objects.Count)
    }
    catch {
        Write-Warning ("{0}: {1}" -f $Name, $_.Exception.Message)
        Write-Log ("failed  {0}: {1}" -f $path, $_.Exception.Message)
    }
}

if (-not (Get-Command Get-ExchangeCertificate -ErrorAction SilentlyContinue)) {
    throw 'Run this script in the Exchange Management Shell (Get-ExchangeCertificate is not available).'
}

New-Item -ItemType Directory -Path $OutputFolder -Force | Out-Null
$org = Join-Path $OutputFolder 'organization'
New-Item -ItemType Directory -Path $org -Force | Out-Null
Write-Log ("collection started by {0} on {1}" -f [Environment]::UserName, [Environment]::MachineName)

Export-Step $org 'Get-AuthConfig' { Get-AuthConfig }
Export-Step $org 'Get-AcceptedDomain' { Get-AcceptedDomain }
Export-Step $org 'Get-SendConnector' { Get-SendConnector }
Export-Step $org 'Get-ExchangeServer' { Get-ExchangeServer }

if (-not $Server) {
    $Server = @(Get-ExchangeServer | ForEach-Object { $_.Name })
}

foreach ($name in $Server) {
    $folder = Join-Path $OutputFolder $name
    New-Item -ItemType Directory -Path $folder -Force | Out-Null
    Write-Log "server $name"
    Export-Step $folder 'Get-ExchangeCertificate' { Get-ExchangeCertificate -Server $name }
    Export-Step $folder 'Get-ReceiveConnector' { Get-ReceiveConnector -Server $name }
    Export-Step $folder 'Get-TransportService' { Get-TransportService -Identity $name }
    Export-Step $folder 'Get-WebBinding' {
        $target = (Get-ExchangeServer -Identity $name).Fqdn
        Invoke-Command -ComputerName $target -ScriptBlock {
            Import-Module WebAdministration
            Get-WebBinding
        }
    }
    Export-Step $folder 'Get-ImapSettings' { Get-ImapSettings -Server $name }
    Export-Step $folder 'Get-PopSettings' { Get-PopSettings -Server $name }
    Export-Step $folder 'Get-ClientAccessService' { Get-ClientAccessService -Identity $name }
    Export-Step $folder 'Get-OwaVirtualDirectory' { Get-OwaVirtualDirectory -Server $name -ADPropertiesOnly }
    Export-Step $folder 'Get-EcpVirtualDirectory' { Get-EcpVirtualDirectory -Server $name -ADPropertiesOnly }
    Export-Step $folder 'Get-WebServicesVirtualDirectory' { Get-WebServicesVirtualDirectory -Server $name -ADPropertiesOnly }
    Export-Step $folder 'Get-ActiveSyncVirtualDirectory' { Get-ActiveSyncVirtualDirectory -Server $name -ADPropertiesOnly }
    Export-Step $folder 'Get-OabVirtualDirectory' { Get-OabVirtualDirectory -Server $name -ADPropertiesOnly }
    Export-Step $folder 'Get-MapiVirtualDirectory' { Get-MapiVirtualDirectory -Server $name -ADPropertiesOnly }
    Export-Step $folder 'Get-AutodiscoverVirtualDirectory' { Get-AutodiscoverVirtualDirectory -Server $name -ADPropertiesOnly }
}

Write-Log 'collection finished'
$log | Set-Content -Path (Join-Path $OutputFolder 'collection-log.txt') -Encoding UTF8
Write-Host "Exchange inventory written to $OutputFolder. Audit it with: certaudit scan `"$OutputFolder`""
