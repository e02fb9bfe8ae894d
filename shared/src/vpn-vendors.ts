/**
 * The names under which VPN clients are reported (`VpnData.vendor`). Agent, simulator, dashboard and
 * rules compare against these, so they live in the protocol package.
 */
export const VPN_VENDOR = {
  wireguard: 'WireGuard',
  openvpn: 'OpenVPN',
  ipsec: 'IPsec/IKEv2',
  cisco: 'Cisco Secure Client',
  globalprotect: 'Palo Alto GlobalProtect',
  forticlient: 'FortiClient',
  ncp: 'NCP Secure Client',
  checkpoint: 'Check Point',
  sophos: 'Sophos Connect',
  ivanti: 'Ivanti Secure Access',
  tailscale: 'Tailscale',
  zerotier: 'ZeroTier',
  windowsSstp: 'Windows VPN (SSTP)',
  windowsL2tp: 'Windows VPN (L2TP)',
  windowsPptp: 'Windows VPN (PPTP)',
  windowsRas: 'Windows VPN',
} as const;

export type VpnVendor = (typeof VPN_VENDOR)[keyof typeof VPN_VENDOR];
