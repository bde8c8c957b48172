/** Federation vocabulary: the address ranges an operator may allow partners in (configuration and outbound rules). */

/** Ranges an operator may allow (a partner on a VPN, tests on loopback). */
export const ALLOWABLE_ADDRESS_CATEGORIES = ['loopback', 'private', 'link_local', 'unique_local', 'cgnat'] as const;
export type AddressCategory = (typeof ALLOWABLE_ADDRESS_CATEGORIES)[number];
