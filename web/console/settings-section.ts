import type { ComponentType } from 'preact';
import type { Credentials } from './session.js';

export interface SettingsProps {
  creds: Credentials;
  bucket: string;
}

/** One tab of the bucket settings page (bucket-settings.tsx lists them; add a feature by adding one). */
export interface SettingsSection {
  id: string;
  label: string;
  component: ComponentType<SettingsProps>;
}
