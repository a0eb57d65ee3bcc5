/** The Owner element OSS renders (ID and DisplayName are the account id). */
export function ownerXml(accountId: string): { ID: string; DisplayName: string } {
  return { ID: accountId, DisplayName: accountId };
}
