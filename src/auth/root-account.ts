/** The account that owns the root keys (`OSSD_ROOT_ACCESS_KEY_*`); admin rights follow from it. */
export const ROOT_ACCOUNT_ID = '1000000000000001';
