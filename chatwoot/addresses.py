"""Where Lyo may post with a tenant's Chatwoot bot token.

An owner types Chatwoot's address; Lyo then POSTs there with the bot token. Unchecked,
that address could be Lyo's own network (loopback, the cloud's metadata service at
169.254.169.254, a private database) and Lyo would carry the token there. So the
address must be ``https`` and its host must resolve only to public unicast addresses,
checked when the connection is saved and again right before every call (DNS may have
changed since). A self-hosted Chatwoot on a private network is allowed by the operator
in ``CHATWOOT_ALLOWED_HOSTS`` (host names, or networks in CIDR notation).

The check at send time returns the one address it checked; the client connects to that
address (``chatwoot.client``), so a name that resolves differently a millisecond later
(DNS rebinding) cannot redirect the call.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, RFC 6052 and 8215).
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class ChatwootAddressRefused(Exception):
    """The address may not receive the bot token; ``message`` is fixed text staff may see."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ChatwootAddressUnresolvable(ChatwootAddressRefused):
    """The host name has no address now (may be temporary)."""


@dataclass(frozen=True)
class ChatwootDestination:
    scheme: str
    host: str
    port: int
    # The checked address to connect to; ``None`` for a host the operator allowed by
    # name (connected to as DNS says: the operator trusts that name).
    address: str | None


@dataclass(frozen=True)
class ChatwootAllowedHosts:
    names: frozenset[str]
    networks: tuple[IPNetwork, ...]


def chatwoot_allowed_hosts() -> ChatwootAllowedHosts:
    """``CHATWOOT_ALLOWED_HOSTS`` split into host names and networks (read each time: tests override it)."""
    names, networks = set(), []
    for entry in getattr(settings, "CHATWOOT_ALLOWED_HOSTS", ()):
        entry = entry.strip().lower()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            names.add(entry.rstrip("."))
    return ChatwootAllowedHosts(frozenset(names), tuple(networks))


def address_is_public(address: IPAddress) -> bool:
    """Public unicast: not private, loopback, link-local, multicast, reserved or unspecified, nor any of
    those inside an IPv6 address (IPv4-mapped, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        embedded += [ipaddress.IPv4Address(int(address) & 0xFFFFFFFF) for net in _NAT64 if address in net]
        if any(inner is not None and not address_is_public(inner) for inner in embedded):
            return False
    return address.is_global and not (
        address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
        or address.is_reserved or address.is_unspecified
    )


def chatwoot_destination_check(url: str) -> ChatwootDestination:
    """Resolve ``url``'s host once and check it may receive the bot token; ``ChatwootAddressRefused`` if not."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise ChatwootAddressRefused(str(_("This is not a valid web address."))) from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ChatwootAddressRefused(str(_("This is not a valid web address.")))
    if parts.username is not None or parts.password is not None:
        raise ChatwootAddressRefused(str(_("The address must not contain a user name or password.")))
    allowed = chatwoot_allowed_hosts()
    if host in allowed.names:
        return ChatwootDestination(parts.scheme, host, port, address=None)
    addresses = _host_resolve(host, port)
    in_allowed_network = all(any(a in net for net in allowed.networks) for a in addresses)
    for address in addresses:
        if not any(address in net for net in allowed.networks) and not address_is_public(address):
            raise ChatwootAddressRefused(str(_(
                "This address leads to a private or reserved network, which Lyo does not connect to. "
                "For a Chatwoot on your own network, ask the operator to allow it."
            )))
    # Plain http would carry the bot token in clear over the internet.
    if parts.scheme != "https" and not (settings.DEBUG or in_allowed_network):
        raise ChatwootAddressRefused(str(_("Use an https:// address.")))
    return ChatwootDestination(parts.scheme, host, port, address=str(addresses[0]))


def chatwoot_base_url_validate(url: str) -> None:
    """Model validator of ``ChatwootConnection.base_url``: the check, as a form error."""
    try:
        chatwoot_destination_check(url)
    except ChatwootAddressRefused as refused:
        raise ValidationError(refused.message, code="chatwoot_address") from None


def _host_resolve(host: str, port: int) -> list[IPAddress]:
    try:
        # An address typed as a number is not looked up.
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise ChatwootAddressUnresolvable(str(_("This host name cannot be found."))) from exc
    addresses = []
    for _family, _type, _proto, _name, sockaddr in infos:
        # An IPv6 scope ("fe80::1%eth0") is not part of the address.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ChatwootAddressUnresolvable(str(_("This host name cannot be found.")))
    return addresses
