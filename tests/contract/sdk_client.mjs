// @jellyfin/sdk (the official TypeScript SDK, jellyfin-web's client) making a music client's
// normal calls against a server. Usage: node sdk_client.mjs <base url>; prints one JSON object.
import { Jellyfin } from '@jellyfin/sdk';
import { getArtistApi } from '@jellyfin/sdk/lib/utils/api/artist-api.js';
import { getAudioApi } from '@jellyfin/sdk/lib/utils/api/audio-api.js';
import { getAuthenticationApi } from '@jellyfin/sdk/lib/utils/api/authentication-api.js';
import { getImageApi } from '@jellyfin/sdk/lib/utils/api/image-api.js';
import { getInstantMixApi } from '@jellyfin/sdk/lib/utils/api/instant-mix-api.js';
import { getLibraryApi } from '@jellyfin/sdk/lib/utils/api/library-api.js';
import { getPlaylistApi } from '@jellyfin/sdk/lib/utils/api/playlist-api.js';
import { getSessionApi } from '@jellyfin/sdk/lib/utils/api/session-api.js';
import { getSuggestionApi } from '@jellyfin/sdk/lib/utils/api/suggestion-api.js';
import { getSystemApi } from '@jellyfin/sdk/lib/utils/api/system-api.js';
import { getUserApi } from '@jellyfin/sdk/lib/utils/api/user-api.js';
import { getUserDataApi } from '@jellyfin/sdk/lib/utils/api/user-data-api.js';
import { getUserViewApi } from '@jellyfin/sdk/lib/utils/api/user-view-api.js';

const [baseUrl] = process.argv.slice(2);
const jellyfin = new Jellyfin({
    clientInfo: { name: 'contract-tests', version: '1.0.0' },
    deviceInfo: { name: 'node', id: 'sdk-contract-device' }
});
const api = jellyfin.createApi(baseUrl);
const out = {};

out.publicInfo = (await getSystemApi(api).getPublicSystemInfo()).data;
const auth = await getAuthenticationApi(api).authenticateUserByName({
    authenticateUserByName: { Username: 'demo', Pw: 'demo' }
});
api.update({ accessToken: auth.data.AccessToken });
const userId = auth.data.User.Id;
out.me = (await getUserApi(api).getCurrentUser()).data;
out.views = (await getUserViewApi(api).getUserViews({ userId })).data;
const library = getLibraryApi(api);
out.tracks = (await library.getItems({
    userId, recursive: true, includeItemTypes: ['Audio'], limit: 10, sortBy: ['SortName'],
    fields: ['ProviderIds', 'MediaSources', 'Genres', 'DateCreated']
})).data;
out.search = (await library.getItems({
    userId, recursive: true, searchTerm: 'bjork', includeItemTypes: ['MusicArtist']
})).data;
out.artists = (await getArtistApi(api).getArtists({ userId, limit: 5 })).data;
const track = out.tracks.Items[0];
out.item = (await library.getItem({ itemId: track.Id, userId })).data;
out.similar = (await library.getSimilarItems({ itemId: track.Id, userId, limit: 5 })).data;
out.suggestions = (await getSuggestionApi(api).getSuggestions({
    userId, type: ['Audio'], mediaType: ['Audio'], limit: 5
})).data;
out.mix = (await getInstantMixApi(api).getInstantMixFromSong({
    itemId: track.Id, userId, limit: 5
})).data;

// The socket: subscribe to user data changes, then favorite a track and wait for the push.
const changed = new Promise((resolve) => {
    api.subscribe(['UserDataChanged'], (message) => resolve(message));
});
await new Promise((resolve) => setTimeout(resolve, 200));
const userData = getUserDataApi(api);
out.favorite = (await userData.markFavoriteItem({ itemId: track.Id, userId })).data;
out.socket = await Promise.race([
    changed,
    new Promise((resolve) => setTimeout(() => resolve(null), 5000))
]);
api.webSocket?.disconnect();
out.played = (await userData.markPlayedItem({ itemId: track.Id, userId })).data;
out.favorites = (await library.getItems({
    userId, recursive: true, includeItemTypes: ['Audio'], isFavorite: true
})).data;

const playlists = getPlaylistApi(api);
const ids = out.tracks.Items.slice(0, 3).map((i) => i.Id);
const created = (await playlists.createPlaylist({
    createPlaylistDto: { Name: 'SDK', Ids: ids.slice(0, 2), UserId: userId, MediaType: 'Audio' }
})).data;
await playlists.addItemToPlaylist({ playlistId: created.Id, ids: ids.slice(2), userId });
const entries = (await playlists.getPlaylistItems({ playlistId: created.Id, userId })).data;
await playlists.moveItem({
    playlistId: created.Id, itemId: entries.Items[2].PlaylistItemId, newIndex: 1
});
out.shares = (await playlists.getPlaylistUsers({ playlistId: created.Id })).data;
await playlists.updatePlaylist({ playlistId: created.Id, updatePlaylistDto: { Name: 'SDK 2' } });
out.playlist = (await playlists.getPlaylistItems({ playlistId: created.Id, userId })).data;

out.sessions = (await getSessionApi(api).getSessions()).data;
const stream = await getAudioApi(api).headAudioStream({ itemId: track.Id, _static: true });
out.streamStatus = stream.status;
out.streamLength = Number(stream.headers['content-length']);
const album = out.tracks.Items.find((i) => i.AlbumPrimaryImageTag);
out.imageUrl = album
    ? getImageApi(api).getItemImageUrlById(album.AlbumId, 'Primary', { maxWidth: 300 })
    : null;
if (out.imageUrl) {
    out.imageStatus = (await fetch(out.imageUrl)).status;
}
process.stdout.write(JSON.stringify(out));
process.exit(0);
