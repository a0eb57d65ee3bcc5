import { render } from 'preact';
import { useState } from 'preact/hooks';
import { BucketSettings } from './bucket-settings.js';
import { Buckets } from './buckets.js';
import { Deliveries } from './deliveries.js';
import { DeliveryDetail } from './delivery-detail.js';
import { Keys } from './keys.js';
import { Notifications } from './notifications.js';
import { Objects } from './objects.js';
import { href, useRoute } from './router.js';
import { type Credentials, clearCredentials, loadCredentials } from './session.js';
import { SignIn } from './sign-in.js';
import { Sts } from './sts.js';
import { Tester } from './tester.js';
import { Toasts } from './toasts.js';
import { UploadsBadge } from './uploads-badge.js';

function Page({ creds, path, query }: { creds: Credentials; path: string[]; query: URLSearchParams }) {
  const [section = 'buckets', arg, sub, tab] = path;
  if (section === 'b' && arg && sub === 'settings') return <BucketSettings creds={creds} bucket={arg} tab={tab} />;
  if (section === 'b' && arg) return <Objects creds={creds} bucket={arg} prefix={query.get('prefix') ?? ''} />;
  if (section === 'deliveries' && arg) return <DeliveryDetail creds={creds} id={arg} />;
  if (section === 'deliveries') return <Deliveries creds={creds} />;
  if (section === 'tester') return <Tester creds={creds} />;
  if (section === 'keys') return <Keys creds={creds} />;
  if (section === 'sts') return <Sts creds={creds} />;
  if (section === 'notifications') return <Notifications creds={creds} bucket={query.get('bucket') ?? ''} />;
  return <Buckets creds={creds} />;
}

function App() {
  const [creds, setCreds] = useState<Credentials | undefined>(loadCredentials);
  const route = useRoute();
  if (!creds)
    return (
      <>
        <SignIn onSignedIn={setCreds} />
        <Toasts />
      </>
    );
  const section = route.path[0] ?? 'buckets';
  const tab = (name: string, label: string) => (
    <a href={href([name])} class={section === name || (name === 'buckets' && section === 'b') ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <span class="brand">ossd console</span>
        <nav>
          {tab('buckets', 'Buckets')}
          {tab('keys', 'Access keys')}
          {tab('sts', 'STS')}
          {tab('deliveries', 'Callback deliveries')}
          {tab('tester', 'Callback tester')}
          {tab('notifications', 'Retries & notifications')}
        </nav>
        <UploadsBadge />
        <span class="who">
          <span class="key-id">{creds.accessKeyId}</span>{' '}
          <button
            type="button"
            class="link"
            onClick={() => {
              clearCredentials();
              setCreds(undefined);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      <main>
        <Page creds={creds} path={route.path} query={route.query} />
      </main>
      <Toasts />
    </>
  );
}

render(<App />, document.getElementById('app')!);
