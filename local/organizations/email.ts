// the rules live with the functions, which check them before CreateAccount; the emulator enforces the same ones
export { brokenEmailRule, type EmailRule, emailRules } from '../../functions/_shared/account-email';
